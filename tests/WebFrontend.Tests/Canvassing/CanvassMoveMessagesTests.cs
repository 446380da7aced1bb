using System.Collections.Concurrent;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.WebFrontend.Tests.Canvassing;

/// <summary>
/// What a browser following canvass:live receives when many canvassers move at once: moves that reach the frontend
/// one after another come as one `canvassersMoved` message (an array), every position arrives once and in order, and
/// any other event between them keeps its place.
/// </summary>
public sealed class CanvassMoveMessagesTests : ClusterTest
{
    /// <summary>What the browser received, flattened in arrival order: (event name, session id), plus the message count.</summary>
    private sealed class Received
    {
        public readonly ConcurrentQueue<(string Name, Guid SessionId)> Events = new();
        public int Messages;

        public void Watch(HubConnection hub)
        {
            hub.On<JsonElement>(LiveEventNames.CanvasserMoved, e =>
            {
                Interlocked.Increment(ref Messages);
                Events.Enqueue((LiveEventNames.CanvasserMoved, e.GetProperty("sessionId").GetGuid()));
            });
            hub.On<JsonElement>(LiveEventNames.CanvassersMoved, moves =>
            {
                Interlocked.Increment(ref Messages);
                foreach (var e in moves.EnumerateArray()) Events.Enqueue((LiveEventNames.CanvasserMoved, e.GetProperty("sessionId").GetGuid()));
            });
            hub.On<JsonElement>("sessionChanged", e =>
            {
                Interlocked.Increment(ref Messages);
                Events.Enqueue(("sessionChanged", e.GetProperty("sessionId").GetGuid()));
            });
        }
    }

    private async Task<(HubConnection Hub, Received Received)> AdminWatchingLive()
    {
        var admin = await TestUsers.SignedInAsync(Cluster, UserRole.MapAdmin);
        var hub = Cluster.Hub(0, admin.AccessToken);
        var received = new Received();
        received.Watch(hub);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", LiveTopics.CanvassLive);
        return (hub, received);
    }

    private void Move(Guid sessionId) =>
        Cluster.SiloService<LivePublisher>(0).Publish(LiveTopics.CanvassLive, LiveEventNames.CanvasserMoved,
            new { sessionId, userId = Guid.NewGuid(), latitude = 53.5, longitude = -113.5, recordedAt = DateTime.UtcNow });

    private void Changed(Guid sessionId) =>
        Cluster.SiloService<LivePublisher>(0).Publish(LiveTopics.CanvassLive, "sessionChanged", new { sessionId, status = "COMPLETED" });

    [Fact]
    public async Task Two_hundred_moves_at_once_arrive_in_far_fewer_messages_each_position_once_and_in_order()
    {
        var (hub, received) = await AdminWatchingLive();
        await using var _ = hub;
        var sessions = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid()).ToList();
        var marker = Guid.NewGuid();

        foreach (var session in sessions) Move(session);
        // Events of one publisher arrive in order: once the marker is in, every move before it has arrived.
        Changed(marker);
        await Eventually.True(() => Task.FromResult(received.Events.Any(e => e.SessionId == marker)), "the marker after the moves");

        var mine = sessions.ToHashSet();
        var moved = received.Events.Where(e => e.Name == LiveEventNames.CanvasserMoved && mine.Contains(e.SessionId)).Select(e => e.SessionId).ToList();
        Assert.Equal(sessions, moved);
        // The moves were published within a fraction of a millisecond; the relay hands each frontend what waited
        // meanwhile, so they come in a handful of messages, not one each.
        Assert.True(received.Messages <= 101, $"{received.Messages} messages for 200 moves and a marker");
    }

    [Fact]
    public async Task An_event_between_moves_keeps_its_place()
    {
        var (hub, received) = await AdminWatchingLive();
        await using var _ = hub;
        var (a, b, ended, d, e) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var marker = Guid.NewGuid();

        Move(a);
        Move(b);
        Changed(ended);
        Move(d);
        Move(e);
        Changed(marker);
        await Eventually.True(() => Task.FromResult(received.Events.Any(x => x.SessionId == marker)), "the marker after the moves");

        var mine = new HashSet<Guid> { a, b, ended, d, e, marker };
        Assert.Equal(
            [(LiveEventNames.CanvasserMoved, a), (LiveEventNames.CanvasserMoved, b), ("sessionChanged", ended),
             (LiveEventNames.CanvasserMoved, d), (LiveEventNames.CanvasserMoved, e), ("sessionChanged", marker)],
            received.Events.Where(x => mine.Contains(x.SessionId)).ToList());
    }
}
