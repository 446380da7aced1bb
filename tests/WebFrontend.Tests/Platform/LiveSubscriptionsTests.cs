using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Tests.Platform;

/// <summary>The relay skips a topic only when no connection of this frontend watches it.</summary>
public sealed class LiveSubscriptionsTests
{
    [Fact]
    public void A_topic_stays_watched_until_its_last_viewer_leaves_by_unsubscribing_or_disconnecting()
    {
        var subscriptions = new LiveSubscriptions();
        subscriptions.Connect("a");
        subscriptions.Connect("b");
        Assert.False(subscriptions.IsWatched("canvass:live"));

        Assert.True(subscriptions.Add("a", "canvass:live"));
        Assert.True(subscriptions.Add("b", "canvass:live"));
        Assert.True(subscriptions.Add("b", "session:1"));
        // Subscribing twice counts once: one unsubscribe ends it.
        Assert.False(subscriptions.Add("a", "canvass:live"));

        subscriptions.Remove("a", "canvass:live");
        Assert.True(subscriptions.IsWatched("canvass:live"));
        // Unsubscribing from a topic never subscribed, or again, changes nothing.
        subscriptions.Remove("a", "canvass:live");
        subscriptions.Remove("c", "canvass:live");
        Assert.True(subscriptions.IsWatched("canvass:live"));

        subscriptions.Disconnect("b");
        Assert.False(subscriptions.IsWatched("canvass:live"));
        Assert.False(subscriptions.IsWatched("session:1"));
        // A hub call still running when its connection closed subscribes nothing.
        Assert.False(subscriptions.Add("b", "canvass:live"));
        Assert.False(subscriptions.IsWatched("canvass:live"));
    }

    [Fact]
    public void Viewers_joining_and_leaving_at_once_leave_exactly_the_topics_still_watched()
    {
        var subscriptions = new LiveSubscriptions();
        Parallel.For(0, 2_000, i =>
        {
            var connection = $"c{i}";
            subscriptions.Connect(connection);
            subscriptions.Add(connection, "canvass:live");
            subscriptions.Add(connection, $"session:{i % 7}");
            if (i % 2 == 0) subscriptions.Disconnect(connection);
            else subscriptions.Remove(connection, $"session:{i % 7}");
        });
        Assert.True(subscriptions.IsWatched("canvass:live"));
        for (var s = 0; s < 7; s++) Assert.False(subscriptions.IsWatched($"session:{s}"));

        Parallel.For(0, 2_000, i => subscriptions.Disconnect($"c{i}"));
        Assert.False(subscriptions.IsWatched("canvass:live"));
    }

    [Fact]
    public void A_subscription_racing_its_connections_close_never_holds_the_topic_open()
    {
        var subscriptions = new LiveSubscriptions();
        subscriptions.Connect("watcher");
        subscriptions.Add("watcher", "canvass:live");
        Parallel.For(0, 2_000, i =>
        {
            var connection = $"c{i}";
            subscriptions.Connect(connection);
            // The subscribe and the disconnect of one connection run at once, in either order.
            Parallel.Invoke(() => subscriptions.Add(connection, "canvass:live"), () => subscriptions.Disconnect(connection));
            // Another viewer's topic is watched throughout.
            Assert.True(subscriptions.IsWatched("canvass:live"));
        });
        subscriptions.Disconnect("watcher");
        Assert.False(subscriptions.IsWatched("canvass:live"));
    }

    [Fact]
    public void A_connection_is_full_at_the_cap_except_for_a_topic_it_already_holds()
    {
        var subscriptions = new LiveSubscriptions();
        subscriptions.Connect("a");
        subscriptions.Add("a", "shift:1");
        subscriptions.Add("a", "shift:2");
        Assert.False(subscriptions.IsFull("a", "shift:3", 3));
        subscriptions.Add("a", "shift:3");
        Assert.True(subscriptions.IsFull("a", "shift:4", 3));
        Assert.False(subscriptions.IsFull("a", "shift:1", 3));
        subscriptions.Remove("a", "shift:2");
        Assert.False(subscriptions.IsFull("a", "shift:4", 3));
    }
}
