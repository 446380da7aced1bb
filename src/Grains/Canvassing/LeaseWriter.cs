using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>Door leases and shift turf, from configuration (environment variables).</summary>
public sealed record LeaseSettings(TimeSpan LeaseDuration, int TurfDoors, TimeZoneInfo ShiftsTimeZone)
{
    public static LeaseSettings From(IConfiguration configuration) => new(
        TimeSpan.FromMinutes(Math.Max(1, configuration.GetValue("CANVASS_LEASE_MINUTES", 20.0))),
        Math.Max(1, configuration.GetValue("SHIFT_TURF_DOORS", 40)),
        // Shift dates and times are the campaign's wall clock, as the shifts module reads them.
        TimeZoneInfo.FindSystemTimeZoneById(configuration["SHIFTS_TIME_ZONE"] is { Length: > 0 } id ? id : "UTC"));
}

/// <summary>
/// What one cut's grain wants written about its leases: doors granted (or renewed) to a session until
/// <see cref="Until"/>, leases released (a door and the session that held it), or every lease of a session.
/// </summary>
public sealed record LeaseWrite(
    Guid CutId,
    Guid SessionId,
    Guid UserId,
    IReadOnlyList<Guid> Grant,
    DateTimeOffset Until,
    DateTimeOffset Now,
    IReadOnlyList<(Guid AddressId, Guid SessionId)> Release,
    bool ReleaseSession = false);

/// <summary>
/// Group commit of door leases across the cuts of a silo: the grants and releases every walk-list grain queued are
/// written in one transaction, and each grain is answered once it committed, with the doors it was refused. So a
/// thousand canvassers asking at once cost a handful of commits.
///
/// One loop writes, so the writes of a cut commit in the order its grain decided them (a lease granted, then
/// released, never lands the other way round). Within a batch a door's last grant wins.
///
/// The primary key on the door is the backstop behind the grain: a grant overwrites a row only when it renews the same
/// session's lease or the row's lease has run out. A door held by another live lease (a second activation of the cut,
/// or an overlapping cut) is refused, and the grain leaves it out of its answer.
/// </summary>
public sealed class LeaseWriter : GroupCommitWriter<LeaseWrite, HashSet<Guid>>
{
    private const int MaxBatch = 512;

    private readonly NpgsqlDataSource _db;
    private readonly ILogger<LeaseWriter> _logger;

    public LeaseWriter(NpgsqlDataSource db, ILogger<LeaseWriter> logger) : base(MaxBatch)
    {
        _db = db;
        _logger = logger;
        Start(1);
    }

    protected override Task WriteBatch(List<Pending> batch) =>
        WriteSplittingOnFailure(batch, async part => Answer(part, await DatabaseRetry.Deadlock.RunAsync(() => Execute(part))),
            ex => ex.SqlState != PostgresErrorCodes.DeadlockDetected, _logger, "door leases");

    private static void Answer(List<Pending> batch, HashSet<Guid> refused)
    {
        foreach (var pending in batch)
        {
            var mine = pending.Item.Grant.Where(refused.Contains).ToHashSet();
            pending.Done.TrySetResult(mine);
        }
    }

    private async Task<HashSet<Guid>> Execute(List<Pending> batch)
    {
        // A door's last grant in the batch is the one written; releases of a door granted again later in the batch to
        // the same session are overtaken by that grant.
        var grants = new Dictionary<Guid, (LeaseWrite Write, int Index)>();
        var releases = new List<(Guid AddressId, Guid SessionId, int Index)>();
        var endedSessions = new List<Guid>();
        for (var i = 0; i < batch.Count; i++)
        {
            var write = batch[i].Item;
            if (write.ReleaseSession) endedSessions.Add(write.SessionId);
            foreach (var (address, session) in write.Release)
            {
                releases.Add((address, session, i));
                if (grants.TryGetValue(address, out var granted) && granted.Write.SessionId == session) grants.Remove(address);
            }
            foreach (var address in write.Grant) grants[address] = (write, i);
        }
        var pairs = releases.Where(r => !(grants.TryGetValue(r.AddressId, out var g) && g.Index > r.Index && g.Write.SessionId == r.SessionId)).ToList();

        await using var connection = await _db.OpenConnectionAsync(Stopping);
        await using var transaction = await connection.BeginTransactionAsync(Stopping);
        if (endedSessions.Count > 0)
            await connection.Command("DELETE FROM door_leases WHERE session_id = ANY(@sessions)", transaction, ("sessions", endedSessions.ToArray()))
                .ExecuteAsync(Stopping);
        if (pairs.Count > 0)
            await connection.Command("""
                DELETE FROM door_leases d USING unnest(@addresses, @sessions) AS r(address_id, session_id)
                WHERE d.address_id = r.address_id AND d.session_id = r.session_id
                """, transaction, ("addresses", pairs.Select(p => p.AddressId).ToArray()), ("sessions", pairs.Select(p => p.SessionId).ToArray()))
                .ExecuteAsync(Stopping);
        var refused = new HashSet<Guid>();
        if (grants.Count > 0)
        {
            var rows = grants.Select(g => (Address: g.Key, g.Value.Write)).ToList();
            var written = await connection.Command("""
                INSERT INTO door_leases (address_id, cut_id, session_id, user_id, leased_until, leased_at)
                SELECT * FROM unnest(@addresses, @cuts, @sessions, @users, @untils, @nows)
                ON CONFLICT (address_id) DO UPDATE
                    SET cut_id = excluded.cut_id, session_id = excluded.session_id, user_id = excluded.user_id,
                        leased_until = excluded.leased_until, leased_at = excluded.leased_at
                    WHERE door_leases.session_id = excluded.session_id OR door_leases.leased_until <= excluded.leased_at
                RETURNING address_id
                """, transaction,
                ("addresses", rows.Select(r => r.Address).ToArray()),
                ("cuts", rows.Select(r => r.Write.CutId).ToArray()),
                ("sessions", rows.Select(r => r.Write.SessionId).ToArray()),
                ("users", rows.Select(r => r.Write.UserId).ToArray()),
                ("untils", rows.Select(r => r.Write.Until).ToArray()),
                ("nows", rows.Select(r => r.Write.Now).ToArray()))
                .ListAsync(r => r.GetGuid(0), Stopping);
            refused = rows.Select(r => r.Address).Except(written).ToHashSet();
        }
        await transaction.CommitAsync(Stopping);
        return refused;
    }
}
