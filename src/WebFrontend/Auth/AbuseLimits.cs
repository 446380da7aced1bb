using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.WebFrontend.Auth;

/// <summary>
/// The limits on the endpoints that guess passwords, make accounts or send mail. Counters live in one grain per key,
/// so every frontend enforces the same budget. The caller's address is the client's behind a trusted proxy
/// (<c>TRUSTED_PROXIES</c>).
/// <list type="bullet">
/// <item>Sign-in: only failures count, so a campaign office signing in together behind one address is never locked
/// out. Failures are limited per account (failure number <c>AUTH_LOGIN_FAILURES_PER_ACCOUNT</c> locks it for
/// <c>AUTH_LOGIN_DELAY_SECONDS</c>, each further failure doubles the lock up to <c>AUTH_LOGIN_MAX_DELAY_SECONDS</c>;
/// forgotten after a day, at a successful sign-in or a password reset) and per address (failure number
/// <c>AUTH_LOGIN_FAILURES_PER_IP</c> within 15 minutes, then the same locks). A locked account or address refuses every attempt, the right password included.</item>
/// <item>Registration, reset mail and public signups: every request counts, per address per minute
/// (<c>AUTH_RATE_LIMIT_PER_IP</c>) and per email per 15 minutes (<c>AUTH_RATE_LIMIT_PER_EMAIL</c>).</item>
/// </list>
/// </summary>
public sealed class AbuseLimits(IClusterClient cluster, IConfiguration configuration)
{
    private readonly int _perIpPerMinute = configuration.GetValue("AUTH_RATE_LIMIT_PER_IP", 10);
    private readonly int _perEmailPerQuarterHour = configuration.GetValue("AUTH_RATE_LIMIT_PER_EMAIL", 10);

    private static TimeSpan Seconds(IConfiguration configuration, string name, double fallback) =>
        TimeSpan.FromSeconds(Math.Max(0.001, configuration.GetValue(name, fallback)));

    private readonly SignInGuardRule _perAccount = new(
        Math.Max(1, configuration.GetValue("AUTH_LOGIN_FAILURES_PER_ACCOUNT", 5)),
        Seconds(configuration, "AUTH_LOGIN_DELAY_SECONDS", 2),
        Seconds(configuration, "AUTH_LOGIN_MAX_DELAY_SECONDS", 900),
        ForgetAfter: TimeSpan.FromDays(1),
        MaxInFlight: 0,
        SuccessForgets: true);

    private readonly SignInGuardRule _perAddress = new(
        Math.Max(1, configuration.GetValue("AUTH_LOGIN_FAILURES_PER_IP", 50)),
        Seconds(configuration, "AUTH_LOGIN_DELAY_SECONDS", 2),
        Seconds(configuration, "AUTH_LOGIN_MAX_DELAY_SECONDS", 900),
        ForgetAfter: TimeSpan.FromMinutes(15),
        MaxInFlight: 100,
        SuccessForgets: false);

    public async Task EnforceAsync(string action, HttpContext context, string? email)
    {
        await EnforcePerIpAsync(action, context, _perIpPerMinute);
        if (!string.IsNullOrWhiteSpace(email))
            await Check($"{action}:email:{EmailAddress.Normalize(email)}", _perEmailPerQuarterHour, TimeSpan.FromMinutes(15));
    }

    public Task EnforcePerIpAsync(string action, HttpContext context, int perMinute) =>
        Check($"{action}:ip:{AddressOf(context)}", perMinute, TimeSpan.FromMinutes(1));

    /// <summary>
    /// Runs one sign-in attempt under the failure limits of its account and its address: refused (429) while either is
    /// locked; a wrong password (a 401 from <paramref name="attempt"/>) counts against both, a success against neither.
    /// </summary>
    public async Task<T> SignInAsync<T>(HttpContext context, string email, Func<Task<T>> attempt)
    {
        var address = cluster.GetGrain<ISignInGuardGrain>(SignInGuardKeys.Address(AddressOf(context)));
        var account = cluster.GetGrain<ISignInGuardGrain>(SignInGuardKeys.Account(email));
        var byAddress = await address.Begin(_perAddress);
        if (!byAddress.Allowed) throw DomainException.RateLimited(byAddress.RetryAfter);
        RateDecision byAccount;
        try
        {
            byAccount = await account.Begin(_perAccount);
        }
        catch
        {
            await address.End(_perAddress, null);
            throw;
        }
        if (!byAccount.Allowed)
        {
            await address.End(_perAddress, null);
            throw DomainException.RateLimited(byAccount.RetryAfter);
        }
        bool? succeeded = null;
        try
        {
            var result = await attempt();
            succeeded = true;
            return result;
        }
        catch (DomainException e) when (e.Kind == DomainErrorKind.Unauthorized)
        {
            succeeded = false;
            throw;
        }
        finally
        {
            await Task.WhenAll(address.End(_perAddress, succeeded), account.End(_perAccount, succeeded));
        }
    }

    private static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private async Task Check(string key, int limit, TimeSpan window)
    {
        var decision = await cluster.GetGrain<IRateLimitGrain>(key).Hit(limit, window);
        if (!decision.Allowed) throw DomainException.RateLimited(decision.RetryAfter);
    }
}
