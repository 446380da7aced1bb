using ChangemakerLite.Grains.Interfaces.Auth;

namespace ChangemakerLite.Grains.Auth;

/// <summary>The failure count, lock and attempts in flight of one sign-in key (<see cref="SignInGuardRule"/> says how).</summary>
public sealed class SignInGuardGrain(TimeProvider time) : Grain, ISignInGuardGrain
{
    /// <summary>An attempt not ended within this time (its frontend died) stops counting as in flight.</summary>
    private static readonly TimeSpan InFlightLifetime = TimeSpan.FromMinutes(2);

    /// <summary>Retry-After when another attempt on the key is still being checked.</summary>
    private static readonly TimeSpan BusyRetry = TimeSpan.FromSeconds(1);

    private readonly List<DateTimeOffset> _inFlight = [];
    private int _failures;
    private DateTimeOffset _firstFailure;
    private DateTimeOffset _lockedUntil = DateTimeOffset.MinValue;

    public Task<RateDecision> Begin(SignInGuardRule rule)
    {
        var now = time.GetUtcNow();
        Tidy(rule, now);
        if (now < _lockedUntil) return Task.FromResult(new RateDecision(false, _lockedUntil - now));
        var underFreeFailures = rule.MaxInFlight == 0
            ? _failures + _inFlight.Count < rule.FreeFailures
            : _failures < rule.FreeFailures && _inFlight.Count < rule.MaxInFlight;
        // Past the free failures, one attempt at a time: each failure must lock the key before the next guess is checked.
        if (!underFreeFailures && _inFlight.Count > 0) return Task.FromResult(new RateDecision(false, BusyRetry));
        _inFlight.Add(now);
        DelayDeactivation(InFlightLifetime);
        return Task.FromResult(new RateDecision(true, TimeSpan.Zero));
    }

    public Task End(SignInGuardRule rule, bool? succeeded)
    {
        var now = time.GetUtcNow();
        if (_inFlight.Count > 0) _inFlight.RemoveAt(0);
        Tidy(rule, now);
        if (succeeded == true && rule.SuccessForgets) Forget();
        if (succeeded == false)
        {
            if (_failures++ == 0) _firstFailure = now;
            if (_failures >= rule.FreeFailures)
            {
                var doublings = Math.Min(_failures - rule.FreeFailures, 30);
                var delay = TimeSpan.FromTicks(Math.Min(rule.MaxDelay.Ticks, rule.FirstDelay.Ticks * (1L << Math.Min(doublings, 20))));
                _lockedUntil = now + delay;
            }
            // Keep the count in memory as long as it matters.
            var keep = _firstFailure + rule.ForgetAfter - now;
            if (_lockedUntil - now > keep) keep = _lockedUntil - now;
            if (keep > TimeSpan.Zero) DelayDeactivation(keep);
        }
        return Task.CompletedTask;
    }

    public Task Forget()
    {
        _failures = 0;
        _lockedUntil = DateTimeOffset.MinValue;
        return Task.CompletedTask;
    }

    private void Tidy(SignInGuardRule rule, DateTimeOffset now)
    {
        _inFlight.RemoveAll(started => now - started > InFlightLifetime);
        if (_failures > 0 && now >= _lockedUntil && now - _firstFailure >= rule.ForgetAfter) _failures = 0;
    }
}
