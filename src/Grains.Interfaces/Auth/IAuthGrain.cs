using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Interfaces.Auth;

/// <summary>
/// Account commands that need no single writer beyond PostgreSQL's own row locks (each is one atomic
/// statement or transaction), so any silo may serve them: a stateless worker.
/// </summary>
[Alias("cml.auth.IAuthGrain")]
public interface IAuthGrain : IGrainWithIntegerKey
{
    /// <summary>Answers alike whether or not the address has an account; the outcome goes to the address by mail.</summary>
    [Alias("Register")] Task Register(RegisterCommand command);
    [Alias("Login")] Task<SignIn> Login(string email, string password, string? ip);
    [Alias("Refresh")] Task<SignIn> Refresh(string refreshToken, string? ip);
    [Alias("Logout")] Task Logout(Guid userId, string refreshToken);
    [Alias("Me")] Task<UserView> Me(Guid userId);
    [Alias("VerifyEmail")] Task VerifyEmail(string token);
    [Alias("ForgotPassword")] Task ForgotPassword(string email, string publicBaseUrl);
    [Alias("ResetPassword")] Task ResetPassword(string token, string newPassword);
    [Alias("ChangePassword")] Task ChangePassword(Guid userId, string currentPassword, string newPassword);
}

[Alias("cml.auth.IUserAdminGrain")]
public interface IUserAdminGrain : IGrainWithIntegerKey
{
    [Alias("List")] Task<Page<UserView>> List(UserFilter filter, PageRequest page);
    [Alias("Get")] Task<UserView> Get(Guid id);
    [Alias("Create")] Task<UserView> Create(CreateUserCommand command);
    [Alias("Update")] Task<UserView> Update(Guid id, UpdateUserCommand command, Guid actingUserId);
    [Alias("Deactivate")] Task Deactivate(Guid id, Guid actingUserId);
}

/// <summary>Marks TEMP users whose time is up as EXPIRED; driven by a reminder so it survives restarts.</summary>
[Alias("cml.auth.ITempUserSweepGrain")]
public interface ITempUserSweepGrain : IGrainWithIntegerKey
{
    [Alias("Ensure")] Task Ensure();
    [Alias("SweepNow")] Task<int> SweepNow();
}

[GenerateSerializer, Immutable, Alias("cml.auth.RateDecision")]
public sealed record RateDecision([property: Id(0)] bool Allowed, [property: Id(1)] TimeSpan RetryAfter);

/// <summary>
/// A fixed-window counter for one key ("login:ip:203.0.113.9"): one grain per key gives every frontend
/// the same count without a shared cache.
/// </summary>
[Alias("cml.auth.IRateLimitGrain")]
public interface IRateLimitGrain : IGrainWithStringKey
{
    [Alias("Hit")] Task<RateDecision> Hit(int limit, TimeSpan window);
}
