using ChangemakerLite.Grains.Interfaces.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Platform;

/// <summary>The retry policies for PostgreSQL's passing failures; the loop is <see cref="Retry"/>.</summary>
public static class DatabaseRetry
{
    /// <summary>
    /// PostgreSQL chose the transaction as a deadlock victim (two group-commit statements met on the same rows); the
    /// rolled-back statement is simply run again, five attempts in all, at once.
    /// </summary>
    public static readonly RetryPolicy Deadlock = new(nameof(Deadlock), 5,
        ex => ex is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected }, _ => TimeSpan.Zero);

    /// <summary>As <see cref="Deadlock"/>, and also a serialization failure (bulk imports writing the same buildings).</summary>
    public static readonly RetryPolicy DeadlockOrSerialization = new(nameof(DeadlockOrSerialization), 5,
        ex => ex is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure },
        _ => TimeSpan.Zero);

    /// <summary>
    /// Two writers raced to insert the same key and the other committed first: the unique index
    /// <paramref name="constraint"/> refused ours, its transaction was rolled back whole, and running it again finds the
    /// other's rows (an idempotency key sent twice at once). Three attempts in all, at once.
    /// </summary>
    public static RetryPolicy UniqueRace(string constraint) => new($"{nameof(UniqueRace)}({constraint})", 3,
        ex => ex.IsUniqueViolation(constraint), _ => TimeSpan.Zero);
}
