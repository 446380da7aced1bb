using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>
/// One signup a shift grain accepted: the row to insert and the confirmation to send if it is inserted confirmed (its
/// variables also fill the waitlist's notice when it is inserted waitlisted).
/// </summary>
public sealed record SignupRow(Guid Id, Guid UserId, string Email, string? Name, string? Phone, SignupSource Source, OutboundEmail Confirmation);

/// <summary>A shift grain's round of accepted signups, valid only while the shift row is still at <see cref="ExpectedVersion"/>.</summary>
public sealed record SignupRound(Guid ShiftId, int ExpectedVersion, string Title, DateTimeOffset Now, IReadOnlyList<SignupRow> Rows);

/// <summary>
/// Whether the version fence held (when not, nothing was written), and if so the shift's new version, counts and status
/// as the database now holds them, and the signups actually inserted by email, each confirmed or waitlisted with its place
/// in line (one already confirmed or waitlisted is skipped).
/// </summary>
public sealed record SignupRoundOutcome(bool Fenced, int Version, int CurrentVolunteers, int WaitlistCount, ShiftStatus Status,
    Dictionary<string, SignupView> Inserted);

/// <summary>
/// Group commit of signups across the shifts of a silo, as <see cref="Canvassing.VisitWriter"/> is for visits: every
/// shift grain still decides its own round (capacity, duplicates, closed shifts) and awaits; a writer packs the rounds
/// queued by many shifts into one statement, so a rush on a hundred shifts costs a few commits, not one per shift.
/// A grain is answered only after that statement committed.
///
/// Per round the statement does what the grain's own transaction did: under the version fence (the round is written
/// only if the shift row is still at the version the grain knows), the signup rows (a cancelled one for the same email
/// is taken again), the counts and status bumped by the rows actually inserted, and an email for each of them. A row
/// whose email is already confirmed or waitlisted is skipped before anyone is counted: it costs no place, no position
/// and no mail, so one duplicate never spoils the round or the batch.
///
/// The capacity is applied here, on the shift row this statement locked (the SQL side of the waitlist rule,
/// <see cref="ShiftWaitlist"/>): in arrival order, a row is confirmed while a place is free and nobody is in line, and
/// waitlisted after the line otherwise. So whatever the grain believed, no statement confirms past the capacity. A batch that fails as a whole because of one round (a user deleted
/// meanwhile, say) is written again round by round, so only that shift's callers get the error.
/// </summary>
public sealed class SignupWriter : GroupCommitWriter<SignupRound, SignupRoundOutcome>
{
    private const int MaxBatchRows = 500;

    /// <summary>
    /// The outbox's one insert: for each signup the statement actually inserted, its confirmation, or the waitlist's notice
    /// with its place in line.
    /// </summary>
    private static readonly string ConfirmationInsert = EmailOutbox.InsertSql($"""
        (SELECT n.mail_id AS id,
                CASE WHEN i.status = 'CONFIRMED' THEN n.template_key ELSE '{ShiftEmails.WaitlistedTemplate}' END AS template_key,
                n.email AS to_address, n.to_name,
                CASE WHEN i.status = 'CONFIRMED' THEN n.template_data
                     ELSE (n.template_data::jsonb || jsonb_build_object('{ShiftEmails.WaitlistPositionVariable}', n.position))::text END AS template_data
         FROM lined n JOIN inserted i ON i.shift_id = n.shift_id AND i.user_email = n.email) m
        """);

    private readonly NpgsqlDataSource _db;
    private readonly ILogger<SignupWriter> _logger;

    public SignupWriter(NpgsqlDataSource db, ShiftSettings settings, ILogger<SignupWriter> logger) : base(MaxBatchRows)
    {
        _db = db;
        _logger = logger;
        Start(settings.SignupWriters);
    }

    protected override int Weight(SignupRound item) => item.Rows.Count;

    protected override async Task WriteBatch(List<Pending> batch)
    {
        // Two activations of one shift (a moment of a membership change) may both have a round queued at the same
        // version. In one statement both would pass the fence; written one after the other, the second fails it.
        var firstPerShift = batch.DistinctBy(p => p.Item.ShiftId).ToList();
        if (firstPerShift.Count < batch.Count)
        {
            await WriteBatch(firstPerShift);
            await WriteBatch(batch.Except(firstPerShift).ToList());
            return;
        }
        await WriteSplittingOnFailure(batch, async part => Answer(part, await Execute(part)), _ => true, _logger, "signup rounds");
    }

    private static void Answer(List<Pending> batch, Dictionary<Guid, SignupRoundOutcome> outcomes)
    {
        Platform.Metrics.ChangemakerMetrics.SignupsStored(outcomes.Values.Sum(o => o.Inserted.Count));
        foreach (var pending in batch)
            pending.Done.TrySetResult(outcomes.TryGetValue(pending.Item.ShiftId, out var outcome)
                ? outcome
                : new SignupRoundOutcome(false, 0, 0, 0, default, new Dictionary<string, SignupView>()));
    }

    private async Task<Dictionary<Guid, SignupRoundOutcome>> Execute(List<Pending> batch)
    {
        var rounds = batch.Select(p => p.Item).ToList();
        var rows = rounds.SelectMany(r => r.Rows.Select(row => (Round: r, Row: row))).ToList();
        T[] Column<T>(Func<(SignupRound Round, SignupRow Row), T> value) => rows.Select(value).ToArray();

        // One statement is one transaction: the shift rows are locked in id order (two writers never wait on each other
        // in a cycle), the inserts and the mail only go to fenced shifts, and the counts follow what was inserted.
        await using var statement = _db.Command($"""
            WITH fenced AS (
                SELECT s.id, s.current_volunteers, s.max_volunteers, s.waitlist_count FROM shifts s
                JOIN unnest(@roundShifts, @roundVersions) AS r(shift_id, version) ON r.shift_id = s.id AND r.version = s.version
                ORDER BY s.id
                FOR UPDATE OF s
            ), fresh AS (
                -- only emails without a confirmed or waitlisted signup of the shift are counted, in arrival order
                SELECT n.*, f.current_volunteers, f.max_volunteers, f.waitlist_count,
                       row_number() OVER (PARTITION BY n.shift_id ORDER BY n.arrival) AS nth
                FROM unnest(@ids, @shifts, @titles, @users, @emails, @names, @phones, @sources, @nows,
                            @mailIds, @mailKeys, @toNames, @mailData) WITH ORDINALITY
                    AS n(id, shift_id, title, user_id, email, name, phone, source, now, mail_id, template_key, to_name, template_data, arrival)
                JOIN fenced f ON f.id = n.shift_id
                WHERE NOT EXISTS (SELECT 1 FROM shift_signups x
                                  WHERE x.shift_id = n.shift_id AND x.user_email = n.email AND x.status <> 'CANCELLED')
            ), decided AS (
                -- the capacity rule on the locked row: confirmed while a place is free and nobody is in line
                SELECT fresh.*,
                       CASE WHEN fresh.waitlist_count = 0 AND fresh.current_volunteers + fresh.nth <= fresh.max_volunteers
                            THEN 'CONFIRMED' ELSE 'WAITLISTED' END::signup_status AS row_status
                FROM fresh
            ), lined AS (
                SELECT decided.*,
                       CASE WHEN row_status = 'WAITLISTED'
                            THEN waitlist_count + row_number() OVER (PARTITION BY shift_id, row_status ORDER BY arrival) END AS position
                FROM decided
            ), inserted AS (
                INSERT INTO shift_signups AS s (id, shift_id, shift_title, user_id, user_email, user_name, user_phone, signup_date, status, signup_source)
                SELECT n.id, n.shift_id, n.title, n.user_id, n.email, n.name, n.phone, n.now, n.row_status, n.source::signup_source
                FROM lined n ORDER BY n.arrival
                {ShiftRows.ConfirmAgainIfCancelled}
                RETURNING {ShiftRows.SignupColumns}
            ), counted AS (
                UPDATE shifts s
                SET current_volunteers = s.current_volunteers + a.confirmed,
                    waitlist_count = s.waitlist_count + a.waitlisted,
                    -- the capacity rule, on the count the rows actually inserted make
                    status = {ShiftRows.StatusSql("s.status", "s.current_volunteers + a.confirmed", "s.max_volunteers")},
                    kept_volunteers = LEAST(s.kept_volunteers, s.current_volunteers + a.confirmed),
                    version = s.version + 1,
                    updated_at = a.now
                FROM (SELECT f.id, count(i.id) FILTER (WHERE i.status = 'CONFIRMED')::int AS confirmed,
                             count(i.id) FILTER (WHERE i.status = 'WAITLISTED')::int AS waitlisted, max(r.now) AS now
                      FROM fenced f
                      JOIN unnest(@roundShifts, @roundNows) AS r(shift_id, now) ON r.shift_id = f.id
                      LEFT JOIN inserted i ON i.shift_id = f.id
                      GROUP BY f.id) a
                WHERE s.id = a.id
                RETURNING s.id, s.version, s.current_volunteers, s.waitlist_count, s.status
            ), mailed AS (
                {ConfirmationInsert}
            )
            SELECT c.id AS round_shift, c.version AS round_version, c.current_volunteers AS round_count,
                   c.waitlist_count AS round_waitlist, c.status AS round_status,
                   i.id IS NOT NULL AS has_signup, i.*, l.position::int AS waitlist_position
            FROM counted c
            LEFT JOIN inserted i ON i.shift_id = c.id
            LEFT JOIN lined l ON l.shift_id = i.shift_id AND l.email = i.user_email
            """,
            ("roundShifts", rounds.Select(r => r.ShiftId).ToArray()),
            ("roundVersions", rounds.Select(r => r.ExpectedVersion).ToArray()),
            ("roundNows", rounds.Select(r => r.Now).ToArray()),
            ("ids", Column(x => x.Row.Id)),
            ("shifts", Column(x => x.Round.ShiftId)),
            ("titles", Column(x => x.Round.Title)),
            ("users", Column(x => x.Row.UserId)),
            ("emails", Column(x => x.Row.Email)),
            ("names", Column(x => x.Row.Name)),
            ("phones", Column(x => x.Row.Phone)),
            ("sources", Column(x => EnumWireNames.ToWireName(x.Row.Source))),
            ("nows", Column(x => x.Round.Now)),
            ("mailIds", Column(_ => Ids.New())),
            ("mailKeys", Column(x => x.Row.Confirmation.TemplateKey)),
            ("toNames", Column(x => x.Row.Confirmation.ToName)),
            ("mailData", Column(x => EmailOutbox.SerializeData(x.Row.Confirmation.Data))));

        var outcomes = new Dictionary<Guid, SignupRoundOutcome>();
        await using var reader = await statement.ExecuteReaderAsync(Stopping);
        while (await reader.ReadAsync(Stopping))
        {
            var shiftId = reader.Get<Guid>("round_shift");
            if (!outcomes.TryGetValue(shiftId, out var outcome))
                outcomes[shiftId] = outcome = new SignupRoundOutcome(true, reader.Get<int>("round_version"), reader.Get<int>("round_count"),
                    reader.Get<int>("round_waitlist"), reader.Get<ShiftStatus>("round_status"), new Dictionary<string, SignupView>(StringComparer.Ordinal));
            if (reader.Get<bool>("has_signup"))
            {
                var signup = ShiftRows.ReadSignupInLine(reader);
                outcome.Inserted[signup.UserEmail] = signup;
            }
        }
        return outcomes;
    }
}
