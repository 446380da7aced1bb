using System.Collections.Concurrent;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// The topics this frontend's browsers are subscribed to, so that the relay handles only events someone here
/// watches: on a busy day the silos send every visit and move of every session, and most session topics have
/// no viewer on a given frontend. A topic counts from just before a connection joins its SignalR group until
/// just after it leaves, so an event for a watched topic is never skipped.
/// </summary>
public sealed class LiveSubscriptions
{
    private sealed class Connection
    {
        public readonly HashSet<string> Topics = new(StringComparer.Ordinal);
        public bool Closed;
    }

    private readonly ConcurrentDictionary<string, int> _viewers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Connection> _connections = new(StringComparer.Ordinal);

    public bool IsWatched(string topic) => _viewers.ContainsKey(topic);

    public void Connect(string connectionId) => _connections.TryAdd(connectionId, new Connection());

    /// <summary>
    /// False when nothing was counted: the connection already had the topic, or it has closed (a hub call can still
    /// be running when SignalR reports the disconnect, and a closed connection must not hold a topic open).
    /// </summary>
    public bool Add(string connectionId, string topic)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return false;
        lock (connection)
        {
            if (connection.Closed || !connection.Topics.Add(topic)) return false;
            _viewers.AddOrUpdate(topic, 1, (_, count) => count + 1);
        }
        return true;
    }

    /// <summary>True when the connection holds <paramref name="max"/> topics already and <paramref name="topic"/> is not one of them.</summary>
    public bool IsFull(string connectionId, string topic, int max)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return false;
        lock (connection) return connection.Topics.Count >= max && !connection.Topics.Contains(topic);
    }

    public void Remove(string connectionId, string topic)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return;
        lock (connection)
        {
            if (connection.Topics.Remove(topic)) Release(topic);
        }
    }

    public void Disconnect(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var connection)) return;
        lock (connection)
        {
            connection.Closed = true;
            foreach (var topic in connection.Topics) Release(topic);
            connection.Topics.Clear();
        }
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
