namespace ChangemakerLite.Grains.Interfaces.Auth;

/// <summary>
/// How a <see cref="ISignInGuardGrain"/> limits failed sign-ins for its key (an account, or an address).
/// Failure number <see cref="FreeFailures"/> locks the key for <see cref="FirstDelay"/>, and each further failure doubles
/// the lock, up to <see cref="MaxDelay"/>. While locked every
/// attempt is refused (429 with Retry-After), the right password included. Failures are forgotten
/// <see cref="ForgetAfter"/> after the first of them once no lock is running, and at a successful sign-in when
/// <see cref="SuccessForgets"/>. Successful sign-ins are never counted.
/// </summary>
/// <param name="MaxInFlight">
/// 0: attempts still being checked count as failures, so parallel guesses cannot overtake the count (an account).
/// Otherwise: at most this many attempts checked at once while under the free failures (an address, where an office
/// signs in together).
/// </param>
[GenerateSerializer, Immutable, Alias("cml.auth.SignInGuardRule")]
public sealed record SignInGuardRule(
    [property: Id(0)] int FreeFailures,
    [property: Id(1)] TimeSpan FirstDelay,
    [property: Id(2)] TimeSpan MaxDelay,
    [property: Id(3)] TimeSpan ForgetAfter,
    [property: Id(4)] int MaxInFlight,
    [property: Id(5)] bool SuccessForgets);

/// <summary>
/// The failed sign-ins of one key ("signin:account:ana@example.org", "signin:ip:203.0.113.9"): one grain per key gives
/// every frontend the same count. The count lives in memory, kept at least as long as it matters; a silo's loss
/// forgets it, which only errs towards letting a person in.
/// </summary>
[Alias("cml.auth.ISignInGuardGrain")]
public interface ISignInGuardGrain : IGrainWithStringKey
{
    /// <summary>May an attempt be checked now? An allowed attempt must be ended with <see cref="End"/>.</summary>
    [Alias("Begin")] Task<RateDecision> Begin(SignInGuardRule rule);

    /// <param name="succeeded">true: signed in; false: wrong credentials; null: not decided (the check itself failed).</param>
    [Alias("End")] Task End(SignInGuardRule rule, bool? succeeded);

    /// <summary>Forgets the failures and any lock (the password was reset).</summary>
    [Alias("Forget")] Task Forget();
}

public static class SignInGuardKeys
{
    public static string Account(string email) => $"signin:account:{EmailAddress.Normalize(email)}";
    public static string Address(string? ip) => $"signin:ip:{ip ?? "unknown"}";
}
