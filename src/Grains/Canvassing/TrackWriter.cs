using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// What one tracking grain wants committed: its new points and the trail totals they lead to, valid only
/// if the trail row is still at <see cref="ExpectedVersion"/> and active.
/// </summary>
public sealed record TrackFlush(
    Guid TrackingSessionId,
    int ExpectedVersion,
    int TotalPoints,
    double TotalDistanceM,
    (double Latitude, double Longitude, DateTimeOffset RecordedAt)? Last,
    IReadOnlyList<TrackPointInput> Points);

/// <summary>
/// Group commit for GPS points across all tracking grains of a silo. Each grain decides what to write
/// (which points are new, the totals, the version it read) and awaits; the writer packs whatever grains
/// have queued into one transaction, so a thousand phones posting at once cost a handful of commits,
/// not a thousand. A grain's flush is acknowledged only after COMMIT returns.
///
/// The transaction: one UPDATE of all the batch's trail rows, each with its version check (and still
/// active), then the points of the trails whose check passed go in with binary COPY straight into
/// track_points, then COMMIT. Grains only hand over points they have not written before, so COPY
/// normally meets no duplicate; if it does (a second activation of a trail wrote some of the same seqs),
/// the transaction is rolled back and redone as one INSERT … ON CONFLICT DO NOTHING statement that counts
/// what each trail really inserted: trails whose count falls short are reported stale (their totals
/// would be wrong), the rest are committed.
///
/// A stale trail (version moved, closed, or poisoned as above) has nothing written; its grain reloads
/// and decides again.
/// </summary>
public sealed class TrackWriter : GroupCommitWriter<TrackFlush, bool>
{
    private readonly NpgsqlDataSource _db;
    private readonly ILogger<TrackWriter> _logger;

    /// <remarks>A flush's result is true once committed, false when the trail was stale (nothing of it written).</remarks>
    public TrackWriter(NpgsqlDataSource db, CanvassSettings settings, ILogger<TrackWriter> logger)
        : base(settings.TrackMaxRowsPerTransaction)
    {
        _db = db;
        _logger = logger;
        Start(settings.TrackWriters);
    }

    protected override int Weight(TrackFlush flush) => flush.Points.Count;

    protected override async Task WriteBatch(List<Pending> batch)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var remaining = batch.ToList();
        try
        {
            if (await TryCopy(remaining) is { } copied)
            {
                foreach (var pending in copied.Stale) pending.Done.TrySetResult(false);
                foreach (var pending in copied.Committed) pending.Done.TrySetResult(true);
                Platform.Metrics.ChangemakerMetrics.PointsStored(copied.Committed.Sum(p => p.Item.Points.Count));
                if (_logger.IsEnabled(LogLevel.Debug))
                    _logger.LogDebug("Wrote {Rows} points of {Trails} trails in {Milliseconds} ms", batch.Sum(p => p.Item.Points.Count), batch.Count,
                        System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return;
            }
            while (remaining.Count > 0)
            {
                var (committed, stale, poisoned) = await TryCommit(remaining);
                foreach (var pending in stale) pending.Done.TrySetResult(false);
                if (poisoned.Count == 0)
                {
                    foreach (var pending in committed) pending.Done.TrySetResult(true);
                    Platform.Metrics.ChangemakerMetrics.PointsStored(committed.Sum(p => p.Item.Points.Count));
                    return;
                }
                // Rolled back: the poisoned trails are stale; everything else goes again.
                foreach (var pending in poisoned) pending.Done.TrySetResult(false);
                remaining = committed;
            }
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Could not write {Count} trail batches", remaining.Count);
            foreach (var pending in remaining) pending.Done.TrySetException(ex);
        }
    }

    /// <summary>The fast path; null when COPY met a duplicate and the batch has to go the ON CONFLICT way.</summary>
    private async Task<(List<Pending> Committed, List<Pending> Stale)?> TryCopy(List<Pending> batch)
    {
        await using var connection = await _db.OpenConnectionAsync(Stopping);
        await using var transaction = await connection.BeginTransactionAsync(Stopping);
        var updated = new HashSet<Guid>();
        await using (var command = new NpgsqlCommand(TrailUpdate, connection, transaction))
        {
            AddTrailParameters(command, batch);
            // Prepared once per pooled connection: hundreds of these a second are otherwise each parsed and planned again.
            await command.PrepareAsync(Stopping);
            await using var reader = await command.ExecuteReaderAsync(Stopping);
            while (await reader.ReadAsync(Stopping)) updated.Add(reader.GetGuid(0));
        }

        try
        {
            await using var importer = await connection.BeginBinaryImportAsync(
                "COPY track_points (tracking_session_id, seq, latitude, longitude, accuracy, recorded_at, event_type) FROM STDIN (FORMAT BINARY)",
                Stopping);
            foreach (var pending in batch)
            {
                var trail = pending.Item.TrackingSessionId;
                if (!updated.Contains(trail)) continue;
                // Synchronous writes fill Npgsql's buffer without a task per field; it flushes to the socket as it fills.
                foreach (var point in pending.Item.Points)
                {
                    importer.StartRow();
                    importer.Write(trail, NpgsqlDbType.Uuid);
                    importer.Write(point.Seq, NpgsqlDbType.Bigint);
                    importer.Write(Coordinate(point.Latitude), NpgsqlDbType.Numeric);
                    importer.Write(Coordinate(point.Longitude), NpgsqlDbType.Numeric);
                    if (point.Accuracy is { } accuracy) importer.Write(accuracy, NpgsqlDbType.Double);
                    else importer.WriteNull();
                    importer.Write(point.RecordedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                    if (point.EventType is { } eventType) importer.Write(eventType, "track_point_event");
                    else importer.WriteNull();
                }
            }
            await importer.CompleteAsync(Stopping);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(Stopping);
            return null;
        }
        await transaction.CommitAsync(Stopping);
        return (batch.Where(p => updated.Contains(p.Item.TrackingSessionId)).ToList(),
                batch.Where(p => !updated.Contains(p.Item.TrackingSessionId)).ToList());
    }

    /// <summary>The columns are numeric(10,8) / numeric(11,8): eight decimals, about a millimetre.</summary>
    private static decimal Coordinate(double degrees) => Math.Round((decimal)degrees, 8);

    /// <summary>
    /// Every trail row of the batch in one UPDATE: its totals and last position, only at the version its grain read
    /// and while active. Returns the ids it updated; a trail missing from them is stale.
    /// </summary>
    private const string TrailUpdate = """
        UPDATE tracking_sessions t
        SET total_points = u.total_points, total_distance_m = u.total_distance_m,
            last_latitude = coalesce(u.last_latitude, t.last_latitude),
            last_longitude = coalesce(u.last_longitude, t.last_longitude),
            last_recorded_at = coalesce(u.last_recorded_at, t.last_recorded_at),
            version = t.version + 1
        FROM unnest(@ids, @versions, @totals, @distances, @lastLat, @lastLng, @lastAt)
            AS u(id, version, total_points, total_distance_m, last_latitude, last_longitude, last_recorded_at)
        WHERE t.id = u.id AND t.version = u.version AND t.is_active
        RETURNING t.id
        """;

    private static void AddTrailParameters(NpgsqlCommand command, List<Pending> batch)
    {
        T[] Column<T>(Func<TrackFlush, T> value) => batch.Select(p => value(p.Item)).ToArray();
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = Column(f => f.TrackingSessionId) });
        command.Parameters.Add(new NpgsqlParameter("versions", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = Column(f => f.ExpectedVersion) });
        command.Parameters.Add(new NpgsqlParameter("totals", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = Column(f => f.TotalPoints) });
        command.Parameters.Add(new NpgsqlParameter("distances", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = Column(f => f.TotalDistanceM) });
        command.Parameters.Add(new NpgsqlParameter("lastLat", NpgsqlDbType.Array | NpgsqlDbType.Numeric)
            { Value = Column(f => f.Last is { } last ? Coordinate(last.Latitude) : (decimal?)null) });
        command.Parameters.Add(new NpgsqlParameter("lastLng", NpgsqlDbType.Array | NpgsqlDbType.Numeric)
            { Value = Column(f => f.Last is { } last ? Coordinate(last.Longitude) : (decimal?)null) });
        command.Parameters.Add(new NpgsqlParameter("lastAt", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
            { Value = Column(f => f.Last?.RecordedAt.UtcDateTime) });
    }

    private async Task<(List<Pending> Committed, List<Pending> Stale, List<Pending> Poisoned)> TryCommit(List<Pending> batch)
    {
        var pointCount = batch.Sum(p => p.Item.Points.Count);
        var pTrail = new Guid[pointCount];
        var pSeq = new long[pointCount];
        var pLat = new double[pointCount];
        var pLng = new double[pointCount];
        var pAccuracy = new double?[pointCount];
        var pAt = new DateTime[pointCount];
        var pEvent = new string?[pointCount];
        var k = 0;
        foreach (var flush in batch.Select(p => p.Item))
        {
            foreach (var point in flush.Points)
            {
                pTrail[k] = flush.TrackingSessionId;
                pSeq[k] = point.Seq;
                pLat[k] = point.Latitude;
                pLng[k] = point.Longitude;
                pAccuracy[k] = point.Accuracy;
                pAt[k] = point.RecordedAt.UtcDateTime;
                pEvent[k] = point.EventType is { } e ? EnumWireNames.ToWireName(e) : null;
                k++;
            }
        }

        await using var connection = await _db.OpenConnectionAsync(Stopping);
        await using var transaction = await connection.BeginTransactionAsync(Stopping);
        await using var command = new NpgsqlCommand($"""
            WITH upd AS (
                {TrailUpdate}
            ), ins AS (
                INSERT INTO track_points (tracking_session_id, seq, latitude, longitude, accuracy, recorded_at, event_type)
                SELECT p.trail, p.seq, p.lat, p.lng, p.accuracy, p.at, p.event::track_point_event
                FROM unnest(@pTrail, @pSeq, @pLat, @pLng, @pAccuracy, @pAt, @pEvent) AS p(trail, seq, lat, lng, accuracy, at, event)
                WHERE p.trail IN (SELECT id FROM upd)
                ON CONFLICT (tracking_session_id, seq) DO NOTHING
                RETURNING tracking_session_id
            )
            SELECT upd.id, coalesce(c.inserted, 0) AS inserted
            FROM upd LEFT JOIN (SELECT tracking_session_id, count(*) AS inserted FROM ins GROUP BY 1) c ON c.tracking_session_id = upd.id
            """, connection, transaction);
        AddTrailParameters(command, batch);
        command.Parameters.Add(new NpgsqlParameter("pTrail", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = pTrail });
        command.Parameters.Add(new NpgsqlParameter("pSeq", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = pSeq });
        command.Parameters.Add(new NpgsqlParameter("pLat", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = pLat });
        command.Parameters.Add(new NpgsqlParameter("pLng", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = pLng });
        command.Parameters.Add(new NpgsqlParameter("pAccuracy", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = pAccuracy });
        command.Parameters.Add(new NpgsqlParameter("pAt", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = pAt });
        command.Parameters.Add(new NpgsqlParameter("pEvent", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = pEvent });

        var inserted = new Dictionary<Guid, long>();
        await using (var reader = await command.ExecuteReaderAsync(Stopping))
            while (await reader.ReadAsync(Stopping))
                inserted[reader.GetGuid(0)] = reader.GetInt64(1);

        var committed = new List<Pending>();
        var stale = new List<Pending>();
        var poisoned = new List<Pending>();
        foreach (var pending in batch)
        {
            if (!inserted.TryGetValue(pending.Item.TrackingSessionId, out var count)) stale.Add(pending);
            else if (count != pending.Item.Points.Count) poisoned.Add(pending);
            else committed.Add(pending);
        }
        if (poisoned.Count > 0)
        {
            await transaction.RollbackAsync(Stopping);
            return (committed, stale, poisoned);
        }
        await transaction.CommitAsync(Stopping);
        return (committed, stale, poisoned);
    }
}
