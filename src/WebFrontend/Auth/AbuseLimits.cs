using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.WebFrontend.Auth;

/// <summary>
/// Per-IP and per-email attempt limits for the endpoints that guess passwords, make accounts or send
/// mail (login, register, forgot-password, public shift signup). Counters live in one grain per key,
/// so every frontend enforces the same budget.
/// </summary>
public sealed class AbuseLimits(IClusterClient cluster, IConfiguration configuration)
{
    private readonly int _perIpPerMinute = configuration.GetValue("AUTH_RATE_LIMIT_PER_IP", 10);
    private readonly int _perEmailPerQuarterHour = configuration.GetValue("AUTH_RATE_LIMIT_PER_EMAIL", 10);

    public async Task EnforceAsync(string action, HttpContext context, string? email)
    {
        await EnforcePerIpAsync(action, context, _perIpPerMinute);
        if (!string.IsNullOrWhiteSpace(email))
            await Check($"{action}:email:{EmailAddress.Normalize(email)}", _perEmailPerQuarterHour, TimeSpan.FromMinutes(15));
    }

    public Task EnforcePerIpAsync(string action, HttpContext context, int perMinute) =>
        Check($"{action}:ip:{context.Connection.RemoteIpAddress?.ToString() ?? "unknown"}", perMinute, TimeSpan.FromMinutes(1));

    private async Task Check(string key, int limit, TimeSpan window)
    {
        var decision = await cluster.GetGrain<IRateLimitGrain>(key).Hit(limit, window);
        if (!decision.Allowed) throw DomainException.RateLimited(decision.RetryAfter);
    }
}
