namespace ChangemakerLite.Grains.Platform;

/// <summary>
/// Gathers a grain's requests into rounds: a request arriving while a round is being written waits for the next one.
/// The first caller finding no round under way becomes the writer and writes round after round until nothing is
/// queued; the others only enqueue. Each request carries its own completion, answered by the round that holds it.
/// Used from one grain's turns only (Orleans runs them one at a time, interleaving at awaits).
/// </summary>
public sealed class RoundQueue<T>
{
    private readonly List<T> _pending = [];
    private bool _writing;

    /// <summary>Puts a request back for the next round (a place it was refused for turned out to be free).</summary>
    public void Requeue(T item) => _pending.Add(item);

    public async Task AddAsync(T item, Func<IReadOnlyList<T>, Task> writeRound)
    {
        _pending.Add(item);
        if (_writing) return;
        _writing = true;
        try
        {
            while (_pending.Count > 0)
            {
                var round = _pending.ToArray();
                _pending.Clear();
                await writeRound(round);
            }
        }
        finally
        {
            _writing = false;
        }
    }
}
