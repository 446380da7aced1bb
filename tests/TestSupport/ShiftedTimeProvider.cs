namespace ChangemakerLite.TestSupport;

/// <summary>
/// Real time plus an offset the test moves: time keeps flowing (timestamps differ, timers fire), and
/// <see cref="Advance"/> jumps it forward by hours without waiting. One instance can outlive silos, so a
/// jump made while every silo is stopped is what the next silo sees.
/// </summary>
public sealed class ShiftedTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
