using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// The periodic half of safety detection (docs/canvassing.md "Safety alerts"), every <see cref="CanvassSettings.SafetySweepPeriod"/>:
/// <list type="bullet">
/// <item>sessions still ACTIVE past their shift's end (shift dates and times are wall-clock values of SHIFTS_TIME_ZONE, as
/// the shifts module reads them), through the partial index of ACTIVE sessions on a shift;</item>
/// <item>canvassers whose fixes stopped coming: an ACTIVE trail whose last fix is older than the stopped time, through the
/// (is_active, last_recorded_at) index. Standing still and going quiet look the same from here, and either deserves a look.</item>
/// </list>
/// Each is one indexed query that already leaves out sessions alerted of that kind, then one insert that the unique key
/// keeps to once per condition per session. An Orleans reminder (once a minute) keeps the grain activated on some silo;
/// a timer that keeps the activation alive does the sweeping.
/// </summary>
public sealed class SafetySweepGrain(
    NpgsqlDataSource db,
    CanvassSettings settings,
    LivePublisher live,
    IConfiguration configuration,
    [FromKeyedServices(CanvassClock.Key)] TimeProvider time,
    ILogger<SafetySweepGrain> logger) : Grain, ISafetySweepGrain, IRemindable
{
    private const string ReminderName = "safety-sweep";
    private const int BatchSize = 1000;

    // PostgreSQL reads IANA names as .NET on Linux does; the same setting as the shifts module's calendar.
    private readonly string _zone = configuration["SHIFTS_TIME_ZONE"] is { Length: > 0 } zone ? zone : "UTC";
    private IGrainTimer? _timer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        StartTimer();
        return Task.CompletedTask;
    }

    public async Task Ensure()
    {
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartTimer();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        StartTimer();
        return Task.CompletedTask;
    }

    private void StartTimer() =>
        _timer ??= this.RegisterGrainTimer(async _ =>
        {
            try { await SweepNow(); }
            catch (Exception ex) { logger.LogWarning(ex, "Safety sweep failed; the next tick tries again"); }
        }, new GrainTimerCreationOptions(settings.SafetySweepPeriod, settings.SafetySweepPeriod) { KeepAlive = true });

    public async Task<int> SweepNow()
    {
        var now = time.GetUtcNow();
        var candidates = new List<NewAlert>();
        await using (var connection = await db.OpenConnectionAsync())
        {
            candidates.AddRange(await connection.Command("""
                SELECT s.id, s.user_id, s.shift_id, s.cut_id, e.ends_at, t.last_latitude::float8, t.last_longitude::float8
                FROM canvass_sessions s
                JOIN shifts sh ON sh.id = s.shift_id
                CROSS JOIN LATERAL (SELECT (sh.date + sh.end_time::time) AT TIME ZONE @zone AS ends_at) e
                LEFT JOIN tracking_sessions t ON t.canvass_session_id = s.id
                WHERE s.status = 'ACTIVE' AND s.shift_id IS NOT NULL AND e.ends_at <= @now
                  AND NOT EXISTS (SELECT 1 FROM safety_alerts a WHERE a.session_id = s.id AND a.kind = 'PAST_SHIFT_END')
                LIMIT @limit
                """, null, ("zone", _zone), ("now", now), ("limit", BatchSize)).ListAsync(r =>
            {
                var endsAt = r.GetFieldValue<DateTimeOffset>(4);
                return new NewAlert(r.GetGuid(0), r.GetGuid(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.IsDBNull(3) ? null : r.GetGuid(3),
                    SafetyAlertKind.PastShiftEnd, endsAt, r.IsDBNull(5) ? null : r.GetDouble(5), r.IsDBNull(6) ? null : r.GetDouble(6),
                    Math.Round((now - endsAt).TotalMinutes, 1));
            }));
            candidates.AddRange(await connection.Command("""
                SELECT s.id, s.user_id, s.shift_id, s.cut_id, t.last_recorded_at, t.last_latitude::float8, t.last_longitude::float8
                FROM tracking_sessions t
                JOIN canvass_sessions s ON s.id = t.canvass_session_id
                WHERE t.is_active AND t.last_recorded_at <= @quietSince AND s.status = 'ACTIVE'
                  AND NOT EXISTS (SELECT 1 FROM safety_alerts a WHERE a.session_id = s.id AND a.kind = 'STATIONARY')
                LIMIT @limit
                """, null, ("quietSince", now - settings.SafetyStoppedAfter), ("limit", BatchSize)).ListAsync(r =>
            {
                var lastAt = r.GetFieldValue<DateTimeOffset>(4);
                return new NewAlert(r.GetGuid(0), r.GetGuid(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.IsDBNull(3) ? null : r.GetGuid(3),
                    SafetyAlertKind.Stationary, lastAt + settings.SafetyStoppedAfter, r.GetDouble(5), r.GetDouble(6),
                    Math.Round((now - lastAt).TotalMinutes, 1));
            }));
        }
        var raised = await SafetyAlertRows.RaiseAsync(db, candidates, now);
        foreach (var alert in raised) live.Raised(alert);
        if (raised.Count > 0) logger.LogInformation("Safety sweep raised {Count} alerts", raised.Count);
        return raised.Count;
    }
}
