using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.WebFrontend.Shifts;

/// <summary>
/// The public signup makes accounts and sends mail for anyone who asks, so each IP gets a small budget
/// (SHIFT_SIGNUP_RATE_LIMIT_PER_IP per minute, 5 like the original). The counter is one grain per IP,
/// so every frontend spends the same budget.
/// </summary>
public sealed class ShiftSignupLimits(IClusterClient cluster, IConfiguration configuration)
{
    private readonly int _perIpPerMinute = configuration.GetValue("SHIFT_SIGNUP_RATE_LIMIT_PER_IP", 5);

    public async Task EnforceAsync(HttpContext context)
    {
        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var decision = await cluster.GetGrain<IRateLimitGrain>($"shift-signup:ip:{ip}").Hit(_perIpPerMinute, TimeSpan.FromMinutes(1));
        if (!decision.Allowed) throw DomainException.RateLimited(decision.RetryAfter);
    }
}
