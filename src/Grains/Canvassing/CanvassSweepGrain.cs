using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// Reminder ticks can be skipped (no silo owned the reminder when it was due) and a reminder row can be
/// lost, so the 12-hour rule also has this backstop: a reminder-driven sweep that hands every overdue
/// ACTIVE session to its grain (which abandons it through the usual version-checked transition) and
/// closes trails whose session ended but whose close did not get through.
/// </summary>
public sealed class CanvassSweepGrain(
    NpgsqlDataSource db,
    CanvassSettings settings,
    [FromKeyedServices(CanvassClock.Key)] TimeProvider time,
    ILogger<CanvassSweepGrain> logger) : Grain, ICanvassSweepGrain, IRemindable
{
    private const string ReminderName = "canvass-sweep";
    private const int BatchSize = 500;

    public async Task Ensure()
    {
        await this.RegisterOrUpdateReminder(ReminderName, settings.SweepPeriod, settings.SweepPeriod);
        // The safety sweep starts with the canvassing sweeps, wherever a silo starts them.
        await GrainFactory.GetGrain<ISafetySweepGrain>(0).Ensure();
    }

    public async Task<int> SweepNow()
    {
        var cutoff = time.GetUtcNow() - CanvassRules.AbandonAfter;
        var overdue = await db.Command("""
            SELECT id FROM canvass_sessions WHERE status = 'ACTIVE' AND started_at <= @cutoff ORDER BY started_at LIMIT @limit
            """, ("cutoff", cutoff), ("limit", BatchSize)).ListAsync(r => r.GetGuid(0));
        var abandoned = 0;
        foreach (var chunk in overdue.Chunk(32))
            abandoned += (await Task.WhenAll(chunk.Select(async id =>
            {
                try { return await GrainFactory.GetGrain<ICanvassSessionGrain>(id).AbandonIfOverdue(); }
                catch (Exception ex) { logger.LogWarning(ex, "Could not abandon canvass session {Session}", id); return false; }
            }))).Count(a => a);

        var open = await db.Command("""
            SELECT s.id, s.ended_at FROM tracking_sessions t JOIN canvass_sessions s ON s.id = t.canvass_session_id
            WHERE t.is_active AND s.status <> 'ACTIVE' LIMIT @limit
            """, ("limit", BatchSize)).ListAsync(r => (Id: r.GetGuid(0), EndedAt: r.GetFieldValue<DateTimeOffset>(1)));
        foreach (var (id, endedAt) in open)
        {
            try { await GrainFactory.GetGrain<ITrackingSessionGrain>(id).Close(endedAt); }
            catch (Exception ex) { logger.LogWarning(ex, "Could not close the trail of canvass session {Session}", id); }
        }
        if (abandoned > 0 || open.Count > 0)
            logger.LogInformation("Canvass sweep abandoned {Abandoned} sessions and closed {Closed} trails", abandoned, open.Count);
        return abandoned;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => SweepNow();
}
