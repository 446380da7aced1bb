using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>Column lists and readers shared by the canvassing grains, so every read maps rows the same way.</summary>
public static class CanvassRows
{
    public const string VisitColumns = """
        v.id, v.client_visit_id, v.session_id, v.address_id, v.user_id, v.cut_id, v.shift_id, v.outcome, v.support_level,
        v.sign_requested, v.sign_size, v.notes, v.duration_seconds, v.visited_at
        """;

    public static VisitView ReadVisit(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"), r.Get<Guid>("client_visit_id"), r.Get<Guid>("session_id"), r.Get<Guid>("address_id"), r.Get<Guid>("user_id"),
        r.GetValueOrNull<Guid>("cut_id"), r.GetValueOrNull<Guid>("shift_id"), r.Get<VisitOutcome>("outcome"),
        r.GetValueOrNull<SupportLevel>("support_level"), r.Get<bool>("sign_requested"), r.GetOrNull<string>("sign_size"),
        r.GetOrNull<string>("notes"), r.GetValueOrNull<int>("duration_seconds"), r.Get<DateTimeOffset>("visited_at"));

    public const string SessionColumns = """
        s.id, s.user_id, s.cut_id, s.shift_id, s.status, s.started_at, s.ended_at, s.start_latitude::float8 AS start_latitude,
        s.start_longitude::float8 AS start_longitude, t.id AS tracking_id
        """;

    public const string SessionFrom = "canvass_sessions s JOIN tracking_sessions t ON t.canvass_session_id = s.id";

    public static CanvassSessionView ReadSession(NpgsqlDataReader r)
    {
        var startedAt = r.Get<DateTimeOffset>("started_at");
        return new CanvassSessionView(
            r.Get<Guid>("id"), r.Get<Guid>("user_id"), r.GetValueOrNull<Guid>("cut_id"), r.GetValueOrNull<Guid>("shift_id"),
            r.Get<CanvassSessionStatus>("status"), startedAt, r.GetValueOrNull<DateTimeOffset>("ended_at"),
            r.GetValueOrNull<double>("start_latitude"), r.GetValueOrNull<double>("start_longitude"), r.Get<Guid>("tracking_id"),
            startedAt + CanvassRules.AbandonAfter);
    }
}
