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

/// <summary>Whether the session was still ACTIVE at the expected version, and whether this write inserted the visit.</summary>
public readonly record struct VisitWriteOutcome(bool Active, bool Inserted);

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
/// A batch that fails as a whole because of one visit (an address deleted meanwhile, say) is written again
/// visit by visit, so only that visit's canvasser gets the error. Two writers can meet on one address and
/// deadlock; the loser's transaction was rolled back whole, so it is simply written again.
/// </summary>
public sealed class VisitWriter : GroupCommitWriter<VisitWrite, VisitWriteOutcome>
{
    private const int MaxBatch = 256;

    private readonly NpgsqlDataSource _db;
    private readonly ILogger<VisitWriter> _logger;

    public VisitWriter(NpgsqlDataSource db, CanvassSettings settings, ILogger<VisitWriter> logger) : base(MaxBatch)
    {
        _db = db;
        _logger = logger;
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
                                     @trails, @lats, @lngs, @nows)
                    AS v(session_id, version, id, address_id, user_id, shift_id, cut_id, client_visit_id, outcome,
                         support_level, sign_requested, sign_flag, sign_size, notes, duration_seconds, visited_at,
                         trail_id, lat, lng, now)
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
            )
            SELECT v.id, v.id IN (SELECT id FROM s) AS active, v.id IN (SELECT id FROM ins) AS inserted FROM v
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
            ("nows", Column(w => w.Now)));
        // Prepared once per pooled connection: the statement is otherwise parsed and planned again for every batch.
        await statement.PrepareAsync(Stopping);
        var outcomes = (await statement.ListAsync(r => (Id: r.Get<Guid>("id"), Outcome: new VisitWriteOutcome(r.Get<bool>("active"), r.Get<bool>("inserted")))))
            .ToDictionary(o => o.Id, o => o.Outcome);
        return outcomes;
    }
}
