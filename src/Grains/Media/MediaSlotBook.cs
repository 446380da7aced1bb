namespace ChangemakerLite.Grains.Media;

/// <summary>
/// The admission book of one resource category, kept by its scheduler grain: which jobs hold slots, which wait, and,
/// per job, the newest <em>generation</em> heard of. A job's generation is its <c>jobs</c> row's version, which every
/// write of the job grain bumps; each notice a job sends carries the generation of the write it follows, and a slot is
/// recorded with the generation of the write that started the run.
///
/// Rules that keep the book from ever counting fewer runs than are under way:
/// <list type="bullet">
/// <item>A notice older than one already heard of is stale and ignored, so a "queued" notice overtaken by a newer one
/// cannot change the job's priority or backoff.</item>
/// <item>A job holding a slot gives it back only on a notice <em>newer than its start</em>: the job grain writes its row
/// after its start only when the run is over (its process exited) or to cancel it, and the cancel sends no notice; so a
/// notice from before the start (a late "queued again" of an earlier attempt, a reminder's "still waiting") can never free
/// the slot of the run in progress.</item>
/// <item>A slot handed out whose answer never came (the start call failed) is held with an unknown start, which no notice
/// frees: the scheduler asks the job again and learns whether it runs.</item>
/// </list>
/// Plain data, no I/O: the scheduler grain feeds it notices, rows and start answers; the ordering rules are tested on it
/// directly.
/// </summary>
public sealed class MediaSlotBook(int slots)
{
    /// <summary>The start generation of a slot whose start call gave no answer: nothing but the job's own answer frees it.</summary>
    public const int UnknownStart = int.MaxValue;

    private sealed record Waiter(int Generation, int Priority, long Order, DateTime? RunAfter);

    private readonly Dictionary<Guid, Waiter> _waiting = new();
    private readonly Dictionary<Guid, int> _holding = new();
    private readonly Dictionary<Guid, int> _heard = new();
    private readonly Dictionary<Guid, DateTime> _endedAt = new();
    private long _order;

    public int Slots { get; } = slots;
    public int Held => _holding.Count;
    public IReadOnlyCollection<Guid> Holding => _holding.Keys;
    public IReadOnlyCollection<Guid> Waiting => _waiting.Keys;
    public IEnumerable<Guid> UnknownStarts => _holding.Where(h => h.Value == UnknownStart).Select(h => h.Key);

    /// <summary>The slot's start generation, if the job holds one.</summary>
    public int? StartOf(Guid job) => _holding.TryGetValue(job, out var start) ? start : null;

    /// <summary>The job, at <paramref name="generation"/>, waits for a slot. False when the notice is stale and was ignored.</summary>
    public bool Queued(Guid job, int generation, int priority, DateTime? runAfter)
    {
        if (!Hear(job, generation)) return false;
        _endedAt.Remove(job);
        _waiting[job] = new Waiter(generation, priority, _waiting.TryGetValue(job, out var known) ? known.Order : _order++, runAfter);
        return true;
    }

    /// <summary>The job, at <paramref name="generation"/>, neither runs nor waits any more (completed, failed, cancelled). False when stale.</summary>
    public bool Ended(Guid job, int generation, DateTime now)
    {
        if (!Hear(job, generation)) return false;
        _waiting.Remove(job);
        _endedAt[job] = now;
        return true;
    }

    /// <summary>
    /// Records the generation and frees the slot of a run this notice proves over. False when the notice is older than
    /// something already heard, or not newer than the start of the slot the job holds.
    /// </summary>
    private bool Hear(Guid job, int generation)
    {
        if (_heard.TryGetValue(job, out var newest) && generation < newest) return false;
        if (_holding.TryGetValue(job, out var start))
        {
            if (generation <= start) return false;
            _holding.Remove(job);
        }
        _heard[job] = generation;
        return true;
    }

    /// <summary>
    /// Hands the next free slot to the highest-priority, oldest waiting job whose backoff has passed, or null. The job
    /// holds the slot with an unknown start until <see cref="Started"/> or <see cref="Declined"/> records its answer.
    /// </summary>
    public Guid? Admit(DateTime now)
    {
        if (_holding.Count >= Slots) return null;
        Guid? next = null;
        Waiter? best = null;
        foreach (var (id, waiter) in _waiting)
        {
            if (waiter.RunAfter is { } after && after > now) continue;
            if (best is null || waiter.Priority > best.Priority || (waiter.Priority == best.Priority && waiter.Order < best.Order))
                (next, best) = (id, waiter);
        }
        if (next is not { } job) return null;
        _waiting.Remove(job);
        _holding[job] = UnknownStart;
        return job;
    }

    /// <summary>The job answered that it runs (it started now or was running already) since the write of <paramref name="generation"/>.</summary>
    public void Started(Guid job, int generation)
    {
        _waiting.Remove(job);
        _holding[job] = generation;
        if (!_heard.TryGetValue(job, out var newest) || newest < generation) _heard[job] = generation;
    }

    /// <summary>The job answered that it does not want the slot (it no longer waits): the slot is free.</summary>
    public void Declined(Guid job, int generation)
    {
        _holding.Remove(job);
        if (!_heard.TryGetValue(job, out var newest) || newest < generation) _heard[job] = generation;
    }

    /// <summary>
    /// What the job's row says, read by the scheduler itself (at activation and at each check): the row's version and
    /// status, and whether a run of it is still open (its process may be alive). Repairs notices lost with a silo.
    /// </summary>
    public void Observe(Guid job, int version, bool running, bool runOpen, bool queued, int priority, DateTime? runAfter, DateTime now)
    {
        if (running || runOpen)
        {
            // Someone's run may be under way: it counts, whatever this book thought.
            if (!_holding.ContainsKey(job)) Started(job, version);
            return;
        }
        if (_holding.TryGetValue(job, out var start))
        {
            // A slot of unknown start stays until the job answers; a known one whose run is over was given back by a lost notice.
            if (start == UnknownStart) return;
            _holding.Remove(job);
        }
        if (queued) Queued(job, version, priority, runAfter);
        else Ended(job, version, now);
    }

    /// <summary>The job's row is gone: it holds and waits for nothing.</summary>
    public void Forget(Guid job)
    {
        _holding.Remove(job);
        _waiting.Remove(job);
        _heard.Remove(job);
        _endedAt.Remove(job);
    }

    /// <summary>Drops what is remembered of jobs that ended before <paramref name="before"/>: a notice about them that late only finds them declining.</summary>
    public void ForgetEndedBefore(DateTime before)
    {
        foreach (var (job, at) in _endedAt.Where(e => e.Value < before).ToList())
        {
            _endedAt.Remove(job);
            if (!_holding.ContainsKey(job) && !_waiting.ContainsKey(job)) _heard.Remove(job);
        }
    }
}
