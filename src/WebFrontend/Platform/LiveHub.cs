using Microsoft.AspNetCore.SignalR;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// The one hub browsers connect to (<c>/hubs/live</c>). Clients subscribe to topics; each module's
/// <see cref="ILiveTopicAuthorizer"/> decides who may see which topic. Events arrive from the silos
/// through <see cref="LiveRelayService"/> and go to the SignalR group named after the topic.
/// </summary>
public sealed class LiveHub(IEnumerable<ILiveTopicAuthorizer> authorizers, LiveSubscriptions subscriptions) : Hub
{
    public const string Path = "/hubs/live";
    private const int MaxTopicLength = 200;

    public async Task Subscribe(string topic)
    {
        if (string.IsNullOrWhiteSpace(topic) || topic.Length > MaxTopicLength)
            throw new HubException("topic: a topic name is required.");
        var authorizer = authorizers.FirstOrDefault(a => a.Handles(topic))
            ?? throw new HubException($"topic: unknown topic '{topic}'.");
        if (!await authorizer.MaySubscribe(Context.User!, topic, Context.ConnectionAborted))
            throw new HubException($"topic: not allowed to subscribe to '{topic}'.");
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

    public async Task Unsubscribe(string topic)
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, topic, Context.ConnectionAborted);
        subscriptions.Remove(Context.ConnectionId, topic);
    }

    public override Task OnConnectedAsync()
    {
        subscriptions.Connect(Context.ConnectionId);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        // SignalR drops a closed connection from its groups itself.
        subscriptions.Disconnect(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>Decides, for the topics of one module, whether a connection's user may subscribe.</summary>
public interface ILiveTopicAuthorizer
{
    bool Handles(string topic);
    ValueTask<bool> MaySubscribe(System.Security.Claims.ClaimsPrincipal user, string topic, CancellationToken cancellationToken);
}
