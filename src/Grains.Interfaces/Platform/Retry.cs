using System.Runtime.ExceptionServices;
using Orleans.Runtime;

namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>
/// When a failed call is worth making again: how many attempts in all, which failures are passing ones, and how long
/// to wait before the next attempt. Each kind of passing failure has one named policy, so a limit is set in one place.
/// </summary>
public sealed record RetryPolicy(string Name, int MaxAttempts, Func<Exception, bool> IsTransient, Func<int, TimeSpan> DelayAfter)
{
    /// <summary>
    /// The grain lived on a silo that just died; the next call activates it elsewhere once membership notices.
    /// Four attempts, waiting 1, 2 and 3 seconds. Only for calls that are idempotent (a visit by its client id, points by seq).
    /// </summary>
    public static readonly RetryPolicy SiloDied = new(nameof(SiloDied), 4,
        ex => ex is SiloUnavailableException or OrleansMessageRejectionException, attempt => TimeSpan.FromSeconds(attempt));

    /// <summary>
    /// An aggregate's row moved on since the grain read it (<see cref="StaleVersionException"/>): the grain reloads and
    /// decides again, three attempts in all, at once; after that the caller gets a 409 rather than a guess.
    /// </summary>
    public static readonly RetryPolicy StaleVersion = new(nameof(StaleVersion), 3, ex => ex is StaleVersionException, _ => TimeSpan.Zero);
}

/// <summary>The row an aggregate grain holds in memory moved on underneath it: another activation wrote first.</summary>
public sealed class StaleVersionException : Exception;

/// <summary>Runs a call under a <see cref="RetryPolicy"/>: the one retry loop of the code base.</summary>
public static class Retry
{
    /// <param name="beforeRetry">
    /// Runs after each passing failure, the last one included (a grain reloads its state there, so it is fresh
    /// whatever happens next), with the failure and the attempt (1-based) that failed.
    /// </param>
    /// <param name="exhausted">What to throw when the last attempt failed too; the last failure itself when null.</param>
    public static async Task<T> RunAsync<T>(this RetryPolicy policy, Func<Task<T>> call,
        Func<Exception, int, Task>? beforeRetry = null, Func<Exception, Exception>? exhausted = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (policy.IsTransient(ex))
            {
                if (beforeRetry is not null) await beforeRetry(ex, attempt);
                if (attempt >= policy.MaxAttempts)
                {
                    if (exhausted is not null) throw exhausted(ex);
                    ExceptionDispatchInfo.Throw(ex);
                }
                var delay = policy.DelayAfter(attempt);
                if (delay > TimeSpan.Zero) await Task.Delay(delay);
            }
        }
    }
}
