namespace ChangemakerLite.Grains.Interfaces.Auth;

/// <summary>
/// What a frontend needs to know to keep a live connection open: whether the account still exists, is active and
/// unexpired, and which role and permissions it holds now (not when its access token was signed).
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.auth.AccountState")]
public sealed record AccountState(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] UserRole Role,
    [property: Id(2)] UserStatus Status,
    [property: Id(3)] string Permissions,
    [property: Id(4)] DateTimeOffset? ExpiresAt);

/// <summary>The current state of many accounts in one query, for the live hub's checks of its connections.</summary>
[Alias("cml.auth.IAccountStateGrain")]
public interface IAccountStateGrain : IGrainWithIntegerKey
{
    /// <summary>The accounts that exist among <paramref name="userIds"/>; a missing one is not in the answer.</summary>
    [Alias("Get")] Task<IReadOnlyList<AccountState>> Get(Guid[] userIds);
}

/// <summary>
/// The live event a change of an account's role, permissions or status raises on <c>account:{userId}</c>. No browser
/// may subscribe to it: every frontend takes it from the relay and checks that user's connections at once.
/// </summary>
public static class AccountEvents
{
    public const string TopicPrefix = "account:";
    public const string Changed = "accountChanged";
    public static string Topic(Guid userId) => $"{TopicPrefix}{userId}";
}
