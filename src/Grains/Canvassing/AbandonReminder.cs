using Microsoft.Extensions.Logging;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// The Orleans reminder (stored in PostgreSQL, so it outlives the activation and every silo) that ticks an ACTIVE
/// session every check period and once more at its 12-hour deadline. Failing to arm or remove it never fails the
/// session: <see cref="CanvassSweepGrain"/> abandons overdue sessions whose reminder was lost, and a leftover reminder
/// ticking into a session no longer ACTIVE removes itself.
/// </summary>
public sealed class AbandonReminder(IGrainBase grain, Guid sessionId, CanvassSettings settings, ILogger logger)
{
    public const string Name = "canvass-abandon";

    /// <summary>Aims the next tick at the deadline when that is sooner than a check period from now.</summary>
    public async Task Arm(DateTimeOffset abandonsAt, DateTimeOffset now)
    {
        try
        {
            var remaining = abandonsAt - now;
            var due = remaining < settings.AbandonCheckPeriod ? (remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) : settings.AbandonCheckPeriod;
            await grain.RegisterOrUpdateReminder(Name, due, settings.AbandonCheckPeriod);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not register the abandonment reminder of canvass session {Session}", sessionId);
        }
    }

    /// <summary>After an early tick: the next one at the deadline when that is sooner than the period.</summary>
    public async Task AimAtDeadline(DateTimeOffset abandonsAt, DateTimeOffset now)
    {
        var remaining = abandonsAt - now;
        if (remaining < settings.AbandonCheckPeriod)
            await grain.RegisterOrUpdateReminder(Name, remaining, settings.AbandonCheckPeriod);
    }

    public async Task Forget()
    {
        try
        {
            if (await grain.GetReminder(Name) is { } reminder) await grain.UnregisterReminder(reminder);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Could not remove the reminder of canvass session {Session}", sessionId);
        }
    }
}
