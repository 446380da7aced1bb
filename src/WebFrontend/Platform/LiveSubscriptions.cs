using System.Collections.Concurrent;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// The topics this frontend's browsers are subscribed to, so that the relay handles only events someone here
/// watches: on a busy day the silos send every visit and move of every session, and most session topics have
/// no viewer on a given frontend. A topic counts from just before its first connection joins the SignalR group
/// until just after its last one leaves, so an event for a watched topic is never skipped.
/// </summary>
public sealed class LiveSubscriptions
{
    private readonly ConcurrentDictionary<string, int> _viewers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HashSet<string>> _topicsOfConnection = new(StringComparer.Ordinal);

    public bool IsWatched(string topic) => _viewers.ContainsKey(topic);

    /// <summary>False when the connection already had the topic (it then counts once).</summary>
    public bool Add(string connectionId, string topic)
    {
        var topics = _topicsOfConnection.GetOrAdd(connectionId, _ => []);
        lock (topics)
        {
            if (!topics.Add(topic)) return false;
        }
        _viewers.AddOrUpdate(topic, 1, (_, count) => count + 1);
        return true;
    }

    public void Remove(string connectionId, string topic)
    {
        if (!_topicsOfConnection.TryGetValue(connectionId, out var topics)) return;
        lock (topics)
        {
            if (!topics.Remove(topic)) return;
        }
        Release(topic);
    }

    public void RemoveConnection(string connectionId)
    {
        if (!_topicsOfConnection.TryRemove(connectionId, out var topics)) return;
        string[] left;
        lock (topics)
        {
            left = [.. topics];
            topics.Clear();
        }
        foreach (var topic in left) Release(topic);
    }

    private void Release(string topic)
    {
        while (_viewers.TryGetValue(topic, out var count))
        {
            if (count <= 1 ? _viewers.TryRemove(new KeyValuePair<string, int>(topic, count)) : _viewers.TryUpdate(topic, count - 1, count))
                return;
        }
    }
}
