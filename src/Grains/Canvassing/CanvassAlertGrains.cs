using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>The knock conflicts' SQL: one column list and reader for the queue and the review.</summary>
public static class KnockConflictRows
{
    public const string Columns = """
        c.id, c.address_id, c.cut_id, c.first_visit_id, c.first_user_id, fu.name AS first_user_name, c.first_visited_at,
        c.second_visit_id, c.second_user_id, su.name AS second_user_name, c.second_visited_at, c.gap_seconds, c.created_at,
        c.reviewed_at, c.reviewed_by_user_id, c.review_note, c.version
        """;

    public const string From = "canvass_conflicts c LEFT JOIN users fu ON fu.id = c.first_user_id LEFT JOIN users su ON su.id = c.second_user_id";

    public static KnockConflictView Read(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"), r.Get<Guid>("address_id"), r.GetValueOrNull<Guid>("cut_id"), r.Get<Guid>("first_visit_id"), r.Get<Guid>("first_user_id"),
        r.GetOrNull<string>("first_user_name"), r.Get<DateTimeOffset>("first_visited_at"), r.Get<Guid>("second_visit_id"), r.Get<Guid>("second_user_id"),
        r.GetOrNull<string>("second_user_name"), r.Get<DateTimeOffset>("second_visited_at"), r.Get<int>("gap_seconds"), r.Get<DateTimeOffset>("created_at"),
        r.GetValueOrNull<DateTimeOffset>("reviewed_at"), r.GetValueOrNull<Guid>("reviewed_by_user_id"), r.GetOrNull<string>("review_note"));
}

/// <summary>
/// The single writer of one conflict's review: it holds the row, decides "reviewed once" against it, and writes with a
/// version check, so a second activation's review is refused rather than overwriting the first.
/// </summary>
public sealed class KnockConflictGrain(NpgsqlDataSource db, LivePublisher live, [FromKeyedServices(CanvassClock.Key)] TimeProvider time)
    : Grain, IKnockConflictGrain
{
    private KnockConflictView? _conflict;
    private int _version;

    private Guid Id => this.GetPrimaryKey();

    public async Task<KnockConflictView> Review(Guid reviewerId, string? note)
    {
        if (note is { Length: > CanvassAlertRules.MaxReviewNoteLength })
            throw DomainException.Invalid("note", $"must be at most {CanvassAlertRules.MaxReviewNoteLength} characters.");
        return await RetryPolicy.StaleVersion.RunAsync(async () =>
            {
                var conflict = _conflict ?? await Reload() ?? throw DomainException.NotFound("The conflict");
                if (conflict.ReviewedAt is not null) throw DomainException.Conflict("The conflict was reviewed already.");
                var now = SessionRules.Truncate(time.GetUtcNow());
                var text = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
                var saved = await db.Command("""
                    UPDATE canvass_conflicts SET reviewed_at = @now, reviewed_by_user_id = @reviewer, review_note = @note, version = version + 1
                    WHERE id = @id AND version = @version AND reviewed_at IS NULL
                    """, ("now", now), ("reviewer", reviewerId), ("note", text), ("id", Id), ("version", _version)).ExecuteAsync();
                if (saved == 0) throw new StaleVersionException();
                _conflict = conflict with { ReviewedAt = now, ReviewedByUserId = reviewerId, ReviewNote = text };
                _version++;
                live.Publish(LiveTopics.CanvassAlerts, "conflictReviewed", _conflict);
                return _conflict;
            },
            beforeRetry: async (_, _) => await Reload(),
            exhausted: _ => DomainException.Conflict("The conflict changed while it was reviewed; retry."));
    }

    private async Task<KnockConflictView?> Reload()
    {
        var row = await db.Command($"SELECT {KnockConflictRows.Columns} FROM {KnockConflictRows.From} WHERE c.id = @id", ("id", Id))
            .FirstOrDefaultAsync(r => (View: KnockConflictRows.Read(r), Version: r.Get<int>("version")));
        _conflict = row.View;
        _version = row.Version;
        return _conflict;
    }
}

/// <summary>
/// The single writer of one safety alert's acknowledgement (once: by whom, when; the alert itself is kept). Admins and the
/// lead of the alert's shift may acknowledge; to anyone else the alert does not exist.
/// </summary>
public sealed class SafetyAlertGrain(NpgsqlDataSource db, LivePublisher live, [FromKeyedServices(CanvassClock.Key)] TimeProvider time)
    : Grain, ISafetyAlertGrain
{
    private SafetyAlertView? _alert;
    private int _version;

    private Guid Id => this.GetPrimaryKey();

    public async Task<SafetyAlertView> Acknowledge(Caller caller) =>
        await RetryPolicy.StaleVersion.RunAsync(async () =>
            {
                var alert = _alert ?? await Reload() ?? throw DomainException.NotFound("The alert");
                // The lead is read each time: an admin may hand the shift to someone else at any moment.
                if (!caller.IsAdmin && !await LeadsShiftOf(alert, caller.UserId)) throw DomainException.NotFound("The alert");
                if (alert.AcknowledgedAt is not null) return alert;
                var now = SessionRules.Truncate(time.GetUtcNow());
                var saved = await db.Command("""
                    UPDATE safety_alerts SET acknowledged_at = @now, acknowledged_by_user_id = @by, version = version + 1
                    WHERE id = @id AND version = @version AND acknowledged_at IS NULL
                    """, ("now", now), ("by", caller.UserId), ("id", Id), ("version", _version)).ExecuteAsync();
                if (saved == 0) throw new StaleVersionException();
                _alert = alert with { AcknowledgedAt = now, AcknowledgedByUserId = caller.UserId };
                _version++;
                live.Acknowledged(_alert);
                return _alert;
            },
            beforeRetry: async (_, _) => await Reload(),
            exhausted: _ => DomainException.Conflict("The alert changed while it was acknowledged; retry."));

    private async Task<bool> LeadsShiftOf(SafetyAlertView alert, Guid userId) =>
        alert.ShiftId is { } shiftId && await GrainFactory.GetGrain<ICanvassAlertQueryGrain>(0).ShiftLead(shiftId) == userId;

    private async Task<SafetyAlertView?> Reload()
    {
        var row = await db.Command($"SELECT {SafetyAlertRows.Columns}, a.version FROM safety_alerts a LEFT JOIN users u ON u.id = a.user_id WHERE a.id = @id",
                ("id", Id))
            .FirstOrDefaultAsync(r => (View: SafetyAlertRows.Read(r), Version: r.Get<int>("version")));
        _alert = row.View;
        _version = row.Version;
        return _alert;
    }
}

[StatelessWorker]
public sealed class CanvassAlertQueryGrain(NpgsqlDataSource db) : Grain, ICanvassAlertQueryGrain
{
    public async Task<Page<KnockConflictView>> ListConflicts(ConflictFilter filter, PageRequest page)
    {
        const string where = """
            WHERE (@cut::uuid IS NULL OR c.cut_id = @cut::uuid)
              AND (@reviewed::boolean IS NULL OR (c.reviewed_at IS NOT NULL) = @reviewed::boolean)
            """;
        (string, object?)[] parameters = [("cut", filter.CutId), ("reviewed", filter.Reviewed)];
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command($"SELECT count(*) FROM canvass_conflicts c {where}", null, parameters).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {KnockConflictRows.Columns} FROM {KnockConflictRows.From} {where}
            ORDER BY c.created_at DESC, c.id DESC LIMIT @limit OFFSET @offset
            """, null, [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)]).ListAsync(KnockConflictRows.Read);
        return new Page<KnockConflictView>(items, total, page.Page, page.PageSize);
    }

    public async Task<Page<SafetyAlertView>> ListAlerts(AlertFilter filter, PageRequest page)
    {
        const string where = """
            WHERE (@kind::safety_alert_kind IS NULL OR a.kind = @kind::safety_alert_kind)
              AND (@shift::uuid IS NULL OR a.shift_id = @shift::uuid)
              AND (@session::uuid IS NULL OR a.session_id = @session::uuid)
              AND (@acknowledged::boolean IS NULL OR (a.acknowledged_at IS NOT NULL) = @acknowledged::boolean)
              AND (@lead::uuid IS NULL OR a.shift_id IN (SELECT id FROM shifts WHERE lead_user_id = @lead::uuid))
            """;
        (string, object?)[] parameters =
            [("kind", filter.Kind), ("shift", filter.ShiftId), ("session", filter.SessionId), ("acknowledged", filter.Acknowledged), ("lead", filter.LeadUserId)];
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command($"SELECT count(*) FROM safety_alerts a {where}", null, parameters).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {SafetyAlertRows.Columns} FROM safety_alerts a LEFT JOIN users u ON u.id = a.user_id {where}
            ORDER BY a.raised_at DESC, a.id DESC LIMIT @limit OFFSET @offset
            """, null, [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)]).ListAsync(SafetyAlertRows.Read);
        return new Page<SafetyAlertView>(items, total, page.Page, page.PageSize);
    }

    public async Task<Guid?> ShiftLead(Guid shiftId) =>
        await db.Command("SELECT lead_user_id FROM shifts WHERE id = @id", ("id", shiftId))
            .FirstOrDefaultAsync(r => r.IsDBNull(0) ? (Guid?)null : r.GetGuid(0));
}
