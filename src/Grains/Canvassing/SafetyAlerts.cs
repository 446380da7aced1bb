using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Map;
using ChangemakerLite.Grains.Platform;
using Npgsql;
using NpgsqlTypes;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>An alert a detector wants raised; it is raised only if the session has none of its kind yet.</summary>
public sealed record NewAlert(
    Guid SessionId,
    Guid UserId,
    Guid? ShiftId,
    Guid? CutId,
    SafetyAlertKind Kind,
    DateTimeOffset ConditionAt,
    double? Latitude,
    double? Longitude,
    double? Measure);

/// <summary>
/// The safety alerts' SQL and live events. Raising is an INSERT that the (session_id, kind) key makes happen once,
/// whoever asks and however often: the trail's grain and the sweep may both see a condition, only the first insert
/// raises it, and only an inserted alert is published (after its commit).
/// </summary>
public static class SafetyAlertRows
{
    public const string Columns = """
        a.id, a.session_id, a.user_id, u.name AS user_name, a.shift_id, a.cut_id, a.kind, a.condition_at, a.raised_at,
        a.latitude::float8 AS latitude, a.longitude::float8 AS longitude, a.measure, a.acknowledged_at, a.acknowledged_by_user_id
        """;

    public static SafetyAlertView Read(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"), r.Get<Guid>("session_id"), r.Get<Guid>("user_id"), r.GetOrNull<string>("user_name"), r.GetValueOrNull<Guid>("shift_id"),
        r.GetValueOrNull<Guid>("cut_id"), r.Get<SafetyAlertKind>("kind"), r.Get<DateTimeOffset>("condition_at"), r.Get<DateTimeOffset>("raised_at"),
        r.GetValueOrNull<double>("latitude"), r.GetValueOrNull<double>("longitude"), r.GetValueOrNull<double>("measure"),
        r.GetValueOrNull<DateTimeOffset>("acknowledged_at"), r.GetValueOrNull<Guid>("acknowledged_by_user_id"));

    /// <summary>Inserts the alerts no session has yet and answers those it inserted (committed: one statement).</summary>
    public static async Task<List<SafetyAlertView>> RaiseAsync(NpgsqlDataSource db, IReadOnlyList<NewAlert> alerts, DateTimeOffset now)
    {
        if (alerts.Count == 0) return [];
        T[] Column<T>(Func<NewAlert, T> value) => alerts.Select(value).ToArray();
        await using var command = db.Command($"""
            WITH a AS (
                INSERT INTO safety_alerts (id, session_id, user_id, shift_id, cut_id, kind, condition_at, raised_at, latitude, longitude, measure)
                SELECT n.id, n.session_id, n.user_id, n.shift_id, n.cut_id, n.kind::safety_alert_kind, n.condition_at, @now,
                       round(n.lat::numeric, 8), round(n.lng::numeric, 8), n.measure
                FROM unnest(@ids, @sessions, @users, @shifts, @cuts, @kinds, @conditions, @lats, @lngs, @measures)
                    AS n(id, session_id, user_id, shift_id, cut_id, kind, condition_at, lat, lng, measure)
                ON CONFLICT (session_id, kind) DO NOTHING
                RETURNING *
            )
            SELECT {Columns} FROM a LEFT JOIN users u ON u.id = a.user_id
            """,
            ("ids", Column(_ => Ids.New())),
            ("sessions", Column(a => a.SessionId)),
            ("users", Column(a => a.UserId)),
            ("shifts", Column(a => a.ShiftId)),
            ("cuts", Column(a => a.CutId)),
            ("kinds", Column(a => EnumWireNames.ToWireName(a.Kind))),
            ("conditions", Column(a => a.ConditionAt)),
            ("lats", Column(a => a.Latitude)),
            ("lngs", Column(a => a.Longitude)),
            ("measures", Column(a => a.Measure)),
            ("now", now));
        return await command.ListAsync(Read);
    }

    /// <summary>Where an alert's events go: every canvass admin, and the lead of its shift.</summary>
    public static string[] Topics(Guid? shiftId) =>
        shiftId is { } shift ? [LiveTopics.CanvassAlerts, LiveTopics.ShiftAlerts(shift)] : [LiveTopics.CanvassAlerts];

    public static void Raised(this LivePublisher live, SafetyAlertView alert) => live.Publish(Topics(alert.ShiftId), "safetyAlertRaised", alert);

    public static void Acknowledged(this LivePublisher live, SafetyAlertView alert) => live.Publish(Topics(alert.ShiftId), "safetyAlertAcknowledged", alert);
}

/// <summary>
/// One trail's watch for the two conditions its points show (docs/canvassing.md "Safety alerts"), in memory and per
/// point, so watching costs no database work until a condition holds:
/// <list type="bullet">
/// <item>stationary: every fix since the <em>anchor</em> (the first fix of the current still stretch) lies within the
/// stationary radius of it, for the stopped time; a fix beyond the radius becomes the new anchor;</item>
/// <item>outside: a fix more than the outside distance beyond the session's cut.</item>
/// </list>
/// Fixes less precise than <see cref="CanvassRules.MaxAccuracyMeters"/> are ignored: a poor fix would move the anchor or
/// put the canvasser outside when they are not.
/// </summary>
public sealed class SafetyWatch(CanvassSettings settings)
{
    private readonly HashSet<SafetyAlertKind> _raised = [];

    public (double Latitude, double Longitude, DateTimeOffset At)? Anchor { get; private set; }

    public bool HasRaised(SafetyAlertKind kind) => _raised.Contains(kind);

    /// <summary>Marks kinds raised already (by this watch, another activation, or the sweep), so they are not asked for again.</summary>
    public void MarkRaised(SafetyAlertKind kind) => _raised.Add(kind);

    /// <summary>A raise that did not get through: the kind may be asked for again.</summary>
    public void Unmark(SafetyAlertKind kind) => _raised.Remove(kind);

    /// <summary>Starts from the last known fix (an activation does not know the stretch before it).</summary>
    public void StartAt(double latitude, double longitude, DateTimeOffset at) => Anchor = (latitude, longitude, at);

    /// <summary>When the stationary condition will hold if the canvasser stays put; null once raised or without an anchor.</summary>
    public DateTimeOffset? StationaryDueAt => Anchor is { } anchor && !HasRaised(SafetyAlertKind.Stationary) ? anchor.At + settings.SafetyStoppedAfter : null;

    /// <summary>The conditions these fixes (in time order) bring about, not yet raised; each kind at most once.</summary>
    public List<NewAlert> Observe(IReadOnlyList<TrackPointInput> fixes, Guid sessionId, Guid userId, Guid? shiftId, Guid? cutId, GeoPolygon? cut)
    {
        var alerts = new List<NewAlert>();
        foreach (var fix in fixes)
        {
            if (fix.Accuracy is > CanvassRules.MaxAccuracyMeters) continue;
            if (Anchor is not { } anchor || Haversine.Meters(anchor.Latitude, anchor.Longitude, fix.Latitude, fix.Longitude) > settings.SafetyStationaryRadiusMeters)
            {
                if (Anchor is null || fix.RecordedAt >= Anchor.Value.At) Anchor = (fix.Latitude, fix.Longitude, fix.RecordedAt);
            }
            else if (!HasRaised(SafetyAlertKind.Stationary) && fix.RecordedAt - anchor.At >= settings.SafetyStoppedAfter)
            {
                _raised.Add(SafetyAlertKind.Stationary);
                alerts.Add(new NewAlert(sessionId, userId, shiftId, cutId, SafetyAlertKind.Stationary, anchor.At + settings.SafetyStoppedAfter,
                    fix.Latitude, fix.Longitude, Math.Round((fix.RecordedAt - anchor.At).TotalMinutes, 1)));
            }
            if (cut is not null && !HasRaised(SafetyAlertKind.OutsideCut))
            {
                var outside = cut.MetersOutside(fix.Latitude, fix.Longitude);
                if (outside > settings.SafetyOutsideMeters)
                {
                    _raised.Add(SafetyAlertKind.OutsideCut);
                    alerts.Add(new NewAlert(sessionId, userId, shiftId, cutId, SafetyAlertKind.OutsideCut, fix.RecordedAt, fix.Latitude, fix.Longitude,
                        Math.Round(outside, 1)));
                }
            }
        }
        return alerts;
    }

    /// <summary>The stationary alert of a canvasser whose fixes stopped coming while they stood still: due once the stopped time passed.</summary>
    public NewAlert? StationaryByNow(DateTimeOffset now, Guid sessionId, Guid userId, Guid? shiftId, Guid? cutId)
    {
        if (Anchor is not { } anchor || HasRaised(SafetyAlertKind.Stationary) || now < anchor.At + settings.SafetyStoppedAfter) return null;
        _raised.Add(SafetyAlertKind.Stationary);
        return new NewAlert(sessionId, userId, shiftId, cutId, SafetyAlertKind.Stationary, anchor.At + settings.SafetyStoppedAfter,
            anchor.Latitude, anchor.Longitude, Math.Round((now - anchor.At).TotalMinutes, 1));
    }
}
