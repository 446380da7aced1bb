using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// One visit a session grain wants written: valid only while the session row is still ACTIVE at
/// <see cref="ExpectedVersion"/>. <see cref="SignFlag"/> is the sign answer as given (null: not asked), which
/// only then changes the address.
/// </summary>
public sealed record VisitWrite(
    int ExpectedVersion,
    VisitView Visit,
    bool? SignFlag,
    Guid TrailId,
    double Latitude,
    double Longitude,
    DateTimeOffset Now);

/// <summary>
/// Whether the session was still ACTIVE at the expected version, whether this write inserted the visit, and the knock
/// conflict it raised (written with it), if any.
/// </summary>
public readonly record struct VisitWriteOutcome(bool Active, bool Inserted, RaisedConflict? Conflict = null);

/// <summary>A knock conflict written with a visit: the door's previous visit, by another canvasser, within the window.</summary>
public sealed record RaisedConflict(Guid Id, Guid FirstVisitId, Guid FirstUserId, DateTimeOffset FirstVisitedAt, int GapSeconds);

/// <summary>
/// Group commit for visits across all canvass sessions of a silo, as <see cref="TrackWriter"/> is for points:
/// each session grain decides its visit and awaits; a writer packs whatever grains have queued into one
/// statement and one transaction, so a thousand canvassers knocking at once cost a handful of commits.
/// A grain is answered only once the statement, its own transaction, has committed.
///
/// Per visit the statement does what a single visit did: the insert only while its session is ACTIVE at
/// the version the grain knows (idempotent on the session's client visit id), its VISIT_RECORDED marker on the
/// trail, and the support level and sign on the address when given (two visits to one address in one batch:
/// the later one's answers win, as they would one after the other).
///
/// Knock conflicts are decided in the same statement (docs/canvassing.md "Knock conflicts"): per inserted visit, the
/// door's previous visit (committed before, or earlier in this batch) is found with one probe of the (address_id,
/// visited_at) index the walk list reads anyway; if another canvasser made it within the window, a conflict row goes
/// in with the visit. A visit therefore never exists without its conflict, and the common case costs one index probe.
///
/// A batch that fails as a whole because of one visit (an address deleted meanwhile, say) is written again
/// visit by visit, so only that visit's canvasser gets the error. Two writers can meet on one address and
/// deadlock; the loser's transaction was rolled back whole, so it is simply written again.
/// </summary>
public sealed class VisitWriter : GroupCommitWriter<VisitWrite, VisitWriteOutcome>
{
    private const int MaxBatch = 256;

    private readonly NpgsqlDataSource _db;
    private readonly ILogger<VisitWriter> _logger;
    private readonly TimeSpan _conflictWindow;

    public VisitWriter(NpgsqlDataSource db, CanvassSettings settings, ILogger<VisitWriter> logger) : base(MaxBatch)
    {
        _db = db;
        _logger = logger;
        _conflictWindow = settings.ConflictWindow;
        Start(settings.VisitWriters);
    }

    protected override Task WriteBatch(List<Pending> batch) =>
        WriteSplittingOnFailure(batch, async part => Answer(part, await ExecuteRetryingDeadlocks(part)),
            ex => ex.SqlState != PostgresErrorCodes.DeadlockDetected, _logger, "visits");

    private static void Answer(List<Pending> batch, Dictionary<Guid, VisitWriteOutcome> outcomes)
    {
        Platform.Metrics.ChangemakerMetrics.VisitsStored(outcomes.Values.Count(o => o.Inserted));
        foreach (var pending in batch)
            pending.Done.TrySetResult(outcomes.TryGetValue(pending.Item.Visit.Id, out var outcome) ? outcome : default);
    }

    private Task<Dictionary<Guid, VisitWriteOutcome>> ExecuteRetryingDeadlocks(List<Pending> batch) =>
        DatabaseRetry.Deadlock.RunAsync(() => Execute(batch));

    private async Task<Dictionary<Guid, VisitWriteOutcome>> Execute(List<Pending> batch)
    {
        var writes = batch.Select(p => p.Item).ToList();
        T[] Column<T>(Func<VisitWrite, T> value) => writes.Select(value).ToArray();

        await using var connection = await _db.OpenConnectionAsync(Stopping);
        // One statement is its own transaction: the server commits it before it reports itself ready for the next
        // query, which the reader waits for when it is disposed. An explicit BEGIN … COMMIT would add a round trip.
        await using var statement = connection.Command("""
            WITH v AS (
                SELECT * FROM unnest(@sessions, @versions, @ids, @addresses, @users, @shifts, @cuts, @clientVisitIds, @outcomes,
                                     @supportLevels, @signRequested, @signFlags, @signSizes, @notes, @durations, @visitedAts,
                                     @trails, @lats, @lngs, @nows, @conflictIds)
                    AS v(session_id, version, id, address_id, user_id, shift_id, cut_id, client_visit_id, outcome,
                         support_level, sign_requested, sign_flag, sign_size, notes, duration_seconds, visited_at,
                         trail_id, lat, lng, now, conflict_id)
            ), s AS (
                -- One primary-key probe per visit (LIMIT keeps the probe from being turned into a join), whatever the
                -- statistics say: as a join, a stale estimate of the ACTIVE sessions planned a scan of all of them for every batch.
                SELECT v.id FROM v CROSS JOIN LATERAL (
                    SELECT FROM canvass_sessions c WHERE c.id = v.session_id AND c.status = 'ACTIVE' AND c.version = v.version LIMIT 1) c
            ), ins AS (
                INSERT INTO canvass_visits (id, address_id, user_id, shift_id, session_id, cut_id, client_visit_id, outcome, support_level,
                                            sign_requested, sign_size, notes, duration_seconds, visited_at)
                SELECT v.id, v.address_id, v.user_id, v.shift_id, v.session_id, v.cut_id, v.client_visit_id, v.outcome::visit_outcome,
                       v.support_level::support_level, v.sign_requested, v.sign_size, v.notes, v.duration_seconds, v.visited_at
                FROM v WHERE v.id IN (SELECT id FROM s)
                ON CONFLICT (session_id, client_visit_id) DO NOTHING
                RETURNING id
            ), marker AS (
                INSERT INTO track_points (tracking_session_id, seq, latitude, longitude, recorded_at, event_type)
                SELECT v.trail_id, NULL, v.lat, v.lng, v.visited_at, 'VISIT_RECORDED' FROM v WHERE v.id IN (SELECT id FROM ins)
            ), released AS (
                -- A visited door's lease ends with the visit's commit (door leases, docs/canvassing.md).
                DELETE FROM door_leases d USING v WHERE d.address_id = v.address_id AND v.id IN (SELECT id FROM ins)
            ), answers AS (
                -- Per address, the latest answer given for each field in this batch.
                SELECT v.address_id,
                       (array_agg(v.support_level ORDER BY v.visited_at DESC) FILTER (WHERE v.support_level IS NOT NULL))[1] AS support_level,
                       (array_agg(v.sign_flag ORDER BY v.visited_at DESC) FILTER (WHERE v.sign_flag IS NOT NULL))[1] AS sign_flag,
                       (array_agg(v.sign_size ORDER BY v.visited_at DESC) FILTER (WHERE v.sign_size IS NOT NULL))[1] AS sign_size,
                       (array_agg(v.user_id ORDER BY v.visited_at DESC))[1] AS user_id,
                       max(v.now) AS now
                FROM v WHERE v.id IN (SELECT id FROM ins) AND (v.support_level IS NOT NULL OR v.sign_flag IS NOT NULL)
                GROUP BY v.address_id
            ), addr AS (
                UPDATE addresses a SET support_level = coalesce(u.support_level::support_level, a.support_level),
                                       sign = coalesce(u.sign_flag, a.sign),
                                       sign_size = coalesce(u.sign_size, a.sign_size),
                                       updated_by_user_id = u.user_id, updated_at = u.now
                FROM answers u WHERE a.id = u.address_id
            ), batch_prior AS (
                -- The door's previous visit within this batch (the statement does not see its own inserts).
                SELECT v.id, v.address_id, v.user_id, v.visited_at, v.cut_id, v.conflict_id, v.now,
                       lag(v.id) OVER w AS b_id, lag(v.user_id) OVER w AS b_user, lag(v.visited_at) OVER w AS b_at
                FROM v WHERE v.id IN (SELECT id FROM ins)
                WINDOW w AS (PARTITION BY v.address_id ORDER BY v.visited_at, v.id)
            ), prior AS (
                -- ... or committed before it: whichever is later is the door's previous visit.
                SELECT n.*, CASE WHEN n.b_at IS NOT NULL AND (c.visited_at IS NULL OR n.b_at >= c.visited_at) THEN n.b_id ELSE c.id END AS p_id,
                       CASE WHEN n.b_at IS NOT NULL AND (c.visited_at IS NULL OR n.b_at >= c.visited_at) THEN n.b_user ELSE c.user_id END AS p_user,
                       CASE WHEN n.b_at IS NOT NULL AND (c.visited_at IS NULL OR n.b_at >= c.visited_at) THEN n.b_at ELSE c.visited_at END AS p_at
                FROM batch_prior n LEFT JOIN LATERAL (
                    SELECT c.id, c.user_id, c.visited_at FROM canvass_visits c
                    WHERE c.address_id = n.address_id AND c.visited_at <= n.visited_at AND c.visited_at >= n.visited_at - @window
                    ORDER BY c.visited_at DESC LIMIT 1) c ON true
            ), conflict AS (
                INSERT INTO canvass_conflicts (id, address_id, cut_id, first_visit_id, first_user_id, first_visited_at, second_visit_id,
                                               second_user_id, second_visited_at, gap_seconds, created_at)
                SELECT p.conflict_id, p.address_id, p.cut_id, p.p_id, p.p_user, p.p_at, p.id, p.user_id, p.visited_at,
                       floor(extract(epoch FROM p.visited_at - p.p_at))::int, p.now
                FROM prior p
                WHERE p.p_id IS NOT NULL AND p.p_user <> p.user_id AND p.p_at >= p.visited_at - @window
                RETURNING id, second_visit_id, first_visit_id, first_user_id, first_visited_at, gap_seconds
            )
            SELECT v.id, v.id IN (SELECT id FROM s) AS active, v.id IN (SELECT id FROM ins) AS inserted,
                   cf.id AS conflict_id, cf.first_visit_id, cf.first_user_id, cf.first_visited_at, cf.gap_seconds
            FROM v LEFT JOIN conflict cf ON cf.second_visit_id = v.id
            """, null,
            ("sessions", Column(w => w.Visit.SessionId)),
            ("versions", Column(w => w.ExpectedVersion)),
            ("ids", Column(w => w.Visit.Id)),
            ("addresses", Column(w => w.Visit.AddressId)),
            ("users", Column(w => w.Visit.UserId)),
            ("shifts", Column(w => w.Visit.ShiftId)),
            ("cuts", Column(w => w.Visit.CutId)),
            ("clientVisitIds", Column(w => w.Visit.ClientVisitId)),
            ("outcomes", Column(w => EnumWireNames.ToWireName(w.Visit.Outcome))),
            ("supportLevels", Column(w => w.Visit.SupportLevel is { } level ? EnumWireNames.ToWireName(level) : null)),
            ("signRequested", Column(w => w.Visit.SignRequested)),
            ("signFlags", Column(w => w.SignFlag)),
            ("signSizes", Column(w => w.Visit.SignSize)),
            ("notes", Column(w => w.Visit.Notes)),
            ("durations", Column(w => w.Visit.DurationSeconds)),
            ("visitedAts", Column(w => w.Visit.VisitedAt)),
            ("trails", Column(w => w.TrailId)),
            ("lats", Column(w => w.Latitude)),
            ("lngs", Column(w => w.Longitude)),
            ("nows", Column(w => w.Now)),
            ("conflictIds", Column(_ => Ids.New())),
            ("window", _conflictWindow));
        // Prepared once per pooled connection: the statement is otherwise parsed and planned again for every batch.
        await statement.PrepareAsync(Stopping);
        var outcomes = (await statement.ListAsync(r => (Id: r.Get<Guid>("id"), Outcome: new VisitWriteOutcome(r.Get<bool>("active"), r.Get<bool>("inserted"),
                r.GetValueOrNull<Guid>("conflict_id") is { } conflictId
                    ? new RaisedConflict(conflictId, r.Get<Guid>("first_visit_id"), r.Get<Guid>("first_user_id"), r.Get<DateTimeOffset>("first_visited_at"),
                        r.Get<int>("gap_seconds"))
                    : null))))
            .ToDictionary(o => o.Id, o => o.Outcome);
        return outcomes;
    }
}
