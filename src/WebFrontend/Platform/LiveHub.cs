using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Canvassing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// The one hub browsers connect to (<c>/hubs/live</c>). Clients subscribe to topics; each module's
/// <see cref="ILiveTopicAuthorizer"/> decides who may see which topic. Events arrive from the silos
/// through <see cref="LiveRelayService"/> and go to the SignalR group named after the topic.
/// A connection holds at most <c>LIVE_MAX_TOPICS_PER_CONNECTION</c> topics, anonymous subscribes are limited per IP, and
/// a signed-in connection lives only while its token is valid and its account unchanged (<see cref="LiveAccountGuard"/>).
/// </summary>
public sealed class LiveHub(
    IEnumerable<ILiveTopicAuthorizer> authorizers,
    LiveSubscriptions subscriptions,
    LiveAccountGuard accounts,
    LiveSettings settings,
    FeatureToggleState toggles,
    IClusterClient cluster) : Hub
{
    public const string Path = "/hubs/live";
    private const int MaxTopicLength = 200;

    public async Task Subscribe(string topic)
    {
        if (string.IsNullOrWhiteSpace(topic) || topic.Length > MaxTopicLength)
            throw new HubException("topic: a topic name is required.");
        if (Context.User?.Identity?.IsAuthenticated != true) await LimitAnonymousSubscribes();
        var authorizer = authorizers.FirstOrDefault(a => a.Handles(topic))
            ?? throw new HubException($"topic: unknown topic '{topic}'.");
        if (!await authorizer.MaySubscribe(Context.User!, topic, Context.ConnectionAborted))
            throw new HubException($"topic: not allowed to subscribe to '{topic}'.");
        // A connection's hub calls run one at a time, so the count cannot change between this check and the add.
        if (subscriptions.IsFull(Context.ConnectionId, topic, settings.MaxTopicsPerConnection))
            throw new HubException(
                $"topic: this connection already watches {settings.MaxTopicsPerConnection} topics, the most allowed; unsubscribe from one first.");
        // Counted before joining: the relay then never skips an event the new member could receive.
        var added = subscriptions.Add(Context.ConnectionId, topic);
        try
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, topic, Context.ConnectionAborted);
        }
        catch
        {
            if (added) subscriptions.Remove(Context.ConnectionId, topic);
            throw;
        }
    }

    /// <summary>A canvasser's visit as one message (<see cref="CanvassLiveCalls"/>); the visits route's policy, signed in.</summary>
    [Authorize(Policy = Policies.SignedIn)]
    public Task<VisitView> RecordVisit(Guid sessionId, CanvassEndpoints.RecordVisitRequest? body) =>
        CanvassLiveCalls.RecordVisit(Context, cluster, toggles, sessionId, body);

    public async Task Unsubscribe(string topic)
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, topic, Context.ConnectionAborted);
        subscriptions.Remove(Context.ConnectionId, topic);
    }

    public override async Task OnConnectedAsync()
    {
        subscriptions.Connect(Context.ConnectionId);
        if (!await accounts.AdmitAsync(Context))
        {
            // A connection refused here never reaches OnDisconnectedAsync: forget it now.
            subscriptions.Disconnect(Context.ConnectionId);
            throw new HubException("account: this account is no longer active or its role changed; sign in again.");
        }
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        // SignalR drops a closed connection from its groups itself.
        subscriptions.Disconnect(Context.ConnectionId);
        accounts.Forget(Context);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>Anonymous viewers are counted per IP across every frontend, probing for topics included.</summary>
    private async Task LimitAnonymousSubscribes()
    {
        var ip = Context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var decision = await cluster.GetGrain<IRateLimitGrain>($"live-subscribe:ip:{ip}")
            .Hit(settings.AnonymousSubscribesPerIpPerMinute, TimeSpan.FromMinutes(1));
        if (!decision.Allowed)
            throw new HubException(
                $"rate-limited: too many subscribes from this address; retry after {Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds))} s.");
    }
}

/// <summary>Decides, for the topics of one module, whether a connection's user may subscribe.</summary>
public interface ILiveTopicAuthorizer
{
    bool Handles(string topic);
    ValueTask<bool> MaySubscribe(System.Security.Claims.ClaimsPrincipal user, string topic, CancellationToken cancellationToken);
}

/// <summary>The live hub's services, registered by the frontend.</summary>
public static class LiveHubServices
{
    public static IServiceCollection AddLiveHub(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(LiveSettings.From(configuration));
        services.AddSingleton<LiveSubscriptions>();
        services.AddSingleton<LiveAccountGuard>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveAccountGuard>());
        services.AddSingleton<LiveRelayService>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveRelayService>());
        return services;
    }

    /// <summary>The hub, its connections closed by SignalR when their access token expires.</summary>
    public static void MapLiveHub(this IEndpointRouteBuilder app) =>
        app.MapHub<LiveHub>(LiveHub.Path, o => o.CloseOnAuthenticationExpiration = true);
}
