using System.Collections.Concurrent;
using System.Security.Claims;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.WebFrontend.Auth;
using Microsoft.AspNetCore.SignalR;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>The live hub's limits, read once at start.</summary>
public sealed record LiveSettings(int MaxTopicsPerConnection, int AnonymousSubscribesPerIpPerMinute, TimeSpan AccountCheckPeriod)
{
    public static LiveSettings From(IConfiguration configuration) => new(
        Math.Max(1, configuration.GetValue("LIVE_MAX_TOPICS_PER_CONNECTION", 100)),
        Math.Max(1, configuration.GetValue("LIVE_ANONYMOUS_SUBSCRIBES_PER_IP", 60)),
        TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("LIVE_ACCOUNT_CHECK_SECONDS", 30.0))));
}

/// <summary>
/// Keeps every signed-in live connection of this frontend in step with its account. A connection was authorized by
/// its access token, which goes on claiming the role it was signed with for its whole lifetime; this guard closes the
/// connection as soon as the account no longer matches: deactivated, suspended or expired, gone, its role changed, or
/// an admin app it administered withdrawn. The browser then reconnects with a fresh token (which carries what the
/// account holds now) and subscribes again, each topic authorized afresh.
/// <para>
/// A connection is checked when it opens (so a still-valid token of a deactivated user cannot simply reconnect), when
/// the Auth grains announce a change of that user (the <c>account:{id}</c> live event reaches every frontend at once),
/// and every <c>LIVE_ACCOUNT_CHECK_SECONDS</c> for all users connected here, in one query: live events are best effort,
/// the periodic check is the guarantee. Token expiry itself is enforced by SignalR (<c>CloseOnAuthenticationExpiration</c>).
/// </para>
/// </summary>
public sealed class LiveAccountGuard(IClusterClient cluster, LiveSettings settings, TimeProvider time, ILogger<LiveAccountGuard> logger)
    : BackgroundService
{
    private const int QueryChunk = 1000;

    private sealed record Watched(HubCallerContext Context, UserRole? Role, string? Permissions);

    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, Watched>> _users = new();

    /// <summary>
    /// Registers a new connection and checks its account; false when it must not stay open. Registered before the check,
    /// so a change announced while the check runs is not missed.
    /// </summary>
    public async Task<bool> AdmitAsync(HubCallerContext context)
    {
        if (context.User is not { } user || AccessRules.UserIdOf(user) is not { } userId) return true;
        var watched = new Watched(context, AccessRules.RoleOf(user), user.FindFirstValue(AccessRules.PermissionsClaim));
        while (true)
        {
            var connections = _users.GetOrAdd(userId, _ => new ConcurrentDictionary<string, Watched>(StringComparer.Ordinal));
            connections[context.ConnectionId] = watched;
            // The user's last other connection may have dropped this very set meanwhile: then register in a new one.
            if (_users.TryGetValue(userId, out var current) && ReferenceEquals(current, connections)) break;
        }
        AccountState? state;
        try
        {
            state = (await cluster.GetGrain<IAccountStateGrain>(0).Get([userId])).FirstOrDefault();
        }
        catch (Exception ex)
        {
            // The token is valid and the cluster is briefly unreachable (a silo leaving): admit, and let the periodic
            // check decide, rather than drop every reconnecting browser.
            logger.LogWarning(ex, "Could not check the account of a new live connection; the periodic check will");
            return true;
        }
        if (Holds(watched, state)) return true;
        Forget(userId, context.ConnectionId);
        return false;
    }

    public void Forget(HubCallerContext context)
    {
        if (context.User is { } user && AccessRules.UserIdOf(user) is { } userId) Forget(userId, context.ConnectionId);
    }

    /// <summary>An account changed somewhere in the cluster: check its connections here, if any.</summary>
    public void AccountChanged(Guid userId)
    {
        if (!_users.ContainsKey(userId)) return;
        _ = CheckAsync([userId]);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.AccountCheckPeriod, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var chunk in _users.Keys.Chunk(QueryChunk))
                    await CheckAsync(chunk);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task CheckAsync(Guid[] userIds)
    {
        IReadOnlyList<AccountState> states;
        try
        {
            states = await cluster.GetGrain<IAccountStateGrain>(0).Get(userIds);
        }
        catch (Exception ex)
        {
            // Nothing is closed on a failed check; the next one decides.
            logger.LogWarning(ex, "Could not check the accounts of {Count} live connections", userIds.Length);
            return;
        }
        var byId = states.ToDictionary(s => s.UserId);
        foreach (var userId in userIds)
        {
            if (!_users.TryGetValue(userId, out var connections)) continue;
            var state = byId.GetValueOrDefault(userId);
            foreach (var (connectionId, watched) in connections)
            {
                if (Holds(watched, state)) continue;
                logger.LogInformation("Closing live connection {ConnectionId}: its account {UserId} changed", connectionId, userId);
                Forget(userId, connectionId);
                watched.Context.Abort();
            }
        }
    }

    /// <summary>
    /// True while the account still is what the connection's token says: present, active, unexpired, the same role, and
    /// every admin app the token grants still granted.
    /// </summary>
    private bool Holds(Watched watched, AccountState? state)
    {
        if (state is null || state.Status != UserStatus.Active || watched.Role != state.Role) return false;
        if (state.ExpiresAt is { } expires && expires <= time.GetUtcNow()) return false;
        foreach (var app in Enum.GetValues<AdminApp>())
            if (AccessRules.CanAdminister(state.Role, watched.Permissions, app) && !AccessRules.CanAdminister(state.Role, state.Permissions, app))
                return false;
        return true;
    }

    private void Forget(Guid userId, string connectionId)
    {
        if (!_users.TryGetValue(userId, out var connections)) return;
        connections.TryRemove(connectionId, out _);
        // Dropped only while still empty: a connection registering at the same moment keeps its entry.
        if (connections.IsEmpty) _users.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<string, Watched>>(userId, connections));
    }
}
