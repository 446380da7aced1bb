using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;
using Npgsql;

namespace ChangemakerLite.Grains.Tests.Shifts;

/// <summary>
/// The waitlist against PostgreSQL (docs/shifts.md "Waitlist"): a full shift puts signups in line in the order they were
/// taken, whichever way they come; a freed or added place goes to the first in line in the same transaction, emailed once;
/// the count never passes the capacity, whatever runs at the same time.
/// </summary>
public sealed class ShiftWaitlistTests : ClusterTest
{
    private IShiftGrain Shift(Guid id) => Cluster.ClientOf(0).GetGrain<IShiftGrain>(id);

    private IShiftQueryGrain Query => Cluster.ClientOf(0).GetGrain<IShiftQueryGrain>(0);

    private async Task<Guid> NewShift(int max, string title = "Doors")
    {
        var id = Ids.New();
        await Shift(id).Create(new CreateShiftCommand(title, null, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(5), "09:00", "12:00",
            null, max, true, null, null));
        return id;
    }

    private Task<int> Scalar(string sql, Guid shift) => Db.ScalarAsync<int>(sql, ("id", shift));

    /// <summary>The shift's line as the database serves it: emails in order with the position each is shown.</summary>
    private async Task<List<(string Email, int? Position)>> Line(Guid shift) =>
        (await Query.Signups(shift, SignupStatus.Waitlisted, new PageRequest(1, 500))).Items.Select(s => (s.UserEmail, s.WaitlistPosition)).ToList();

    private Task<int> Mails(string template, IEnumerable<string> to) => Db.ScalarAsync<int>(
        "SELECT count(*)::int FROM outbox_messages WHERE template_key = @key AND to_address = ANY(@to)", ("key", template), ("to", to.ToArray()));

    [Fact]
    public async Task Concurrent_signups_of_every_kind_past_capacity_confirm_exactly_capacity_and_line_up_the_rest_in_order()
    {
        var shift = await NewShift(max: 5);
        var volunteers = await ShiftFixtures.CreateVolunteersAsync(Cluster, 30);
        var intake = Cluster.ClientOf(0).GetGrain<IShiftSignupIntakeGrain>(0);
        var byEmail = Enumerable.Range(0, 6).Select(i => $"waitlist-{Ids.New():N}@example.org").ToList();

        // Signed-in volunteers (group-committed rounds), admin adds by email and public signups (the grain's own transactions).
        using var start = new SemaphoreSlim(0);
        var calls = volunteers.Select(async v => { await start.WaitAsync(); return await Shift(shift).SignUpSelf(v.Id); })
            .Concat(byEmail.Take(3).Select(async e =>
            {
                await start.WaitAsync();
                return await intake.SignUpPerson(shift, new PersonSignupCommand(e, "Added Person", null, SignupSource.Admin, null));
            }))
            .Concat(byEmail.Skip(3).Select(async e =>
            {
                await start.WaitAsync();
                var signup = await intake.SignUpPublic(shift, e, "Public Person", null);
                return new SignupView(signup.Id, shift, signup.ShiftTitle, null, signup.Email, signup.Name, null, signup.SignupDate, signup.Status,
                    SignupSource.Public, signup.WaitlistPosition);
            })).ToList();
        start.Release(calls.Count);
        var answers = await Task.WhenAll(calls);

        Assert.Equal(5, answers.Count(a => a.Status == SignupStatus.Confirmed));
        Assert.Equal(31, answers.Count(a => a.Status == SignupStatus.Waitlisted));
        Assert.All(answers.Where(a => a.Status == SignupStatus.Confirmed), a => Assert.Null(a.WaitlistPosition));
        // Each waiting one was told a distinct place, and it is the place the database serves them in.
        var told = answers.Where(a => a.Status == SignupStatus.Waitlisted).OrderBy(a => a.WaitlistPosition).Select(a => (a.UserEmail, a.WaitlistPosition)).ToList();
        Assert.Equal(Enumerable.Range(1, 31).Select(i => (int?)i), told.Select(t => t.WaitlistPosition));
        Assert.Equal(told, await Line(shift));
        // Nobody twice; everyone confirmed was taken before everyone waiting.
        Assert.Equal(36, await Scalar("SELECT count(DISTINCT user_email)::int FROM shift_signups WHERE shift_id = @id", shift));
        Assert.Equal(36, await Scalar("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id", shift));
        Assert.True(await Db.ScalarAsync<bool>("""
            SELECT max(signup_order) FILTER (WHERE status = 'CONFIRMED') < min(signup_order) FILTER (WHERE status = 'WAITLISTED')
            FROM shift_signups WHERE shift_id = @id
            """, ("id", shift)));
        Assert.Equal(5, await Scalar("SELECT current_volunteers FROM shifts WHERE id = @id", shift));
        Assert.Equal(31, await Scalar("SELECT waitlist_count FROM shifts WHERE id = @id", shift));
        var view = await Shift(shift).Get();
        Assert.Equal((5, 31, ShiftStatus.Full), (view.CurrentVolunteers, view.WaitlistCount, view.Status));
        // One email each: a confirmation for the confirmed, the waitlist's notice (with the place in line) for the others.
        var emails = answers.Select(a => a.UserEmail).ToList();
        Assert.Equal(5, await Mails("shift-signup-confirmed", emails));
        Assert.Equal(31, await Mails("shift-waitlisted", emails));
        Assert.Equal(31, await Db.ScalarAsync<int>("""
            SELECT count(*)::int FROM outbox_messages o JOIN shift_signups s ON s.user_email = o.to_address AND s.shift_id = @id
            WHERE o.template_key = 'shift-waitlisted' AND (o.template_data->>'WAITLIST_POSITION')::int =
                  (SELECT count(*) FROM shift_signups w WHERE w.shift_id = s.shift_id AND w.status = 'WAITLISTED' AND w.signup_order <= s.signup_order)
            """, ("id", shift)));
    }

    [Fact]
    public async Task Concurrent_cancels_and_signups_never_pass_capacity_and_promote_the_first_in_line_each_emailed_once()
    {
        const string title = "Promotion race";
        var shift = await NewShift(max: 4, title);
        var v = await ShiftFixtures.CreateVolunteersAsync(Cluster, 18);
        var confirmed = v.Take(4).ToList();
        var waiting = v.Skip(4).Take(6).ToList();
        var newcomers = v.Skip(10).ToList();
        var signups = new Dictionary<Guid, Guid>();
        // Taken one after another, so the line is known: waiting[0] is first.
        foreach (var x in confirmed.Concat(waiting)) signups[x.Id] = (await Shift(shift).SignUpSelf(x.Id)).Id;
        Assert.Equal(6, await Scalar("SELECT waitlist_count FROM shifts WHERE id = @id", shift));

        // Watching the committed counts all along: no reading may ever show more confirmed than places.
        using var raceOver = new CancellationTokenSource();
        var readings = 0;
        var watcher = Task.Run(async () =>
        {
            while (!raceOver.IsCancellationRequested)
            {
                var (count, rows) = (await Scalar("SELECT current_volunteers FROM shifts WHERE id = @id", shift),
                    await Scalar("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id AND status = 'CONFIRMED'", shift));
                Assert.True(count <= 4 && rows <= 4, $"count {count}, confirmed rows {rows} of 4 places");
                readings++;
            }
        });

        // Three confirmed cancel, the fifth in line leaves, eight newcomers sign up: all at once.
        using var start = new SemaphoreSlim(0);
        var race = confirmed.Take(3).Append(waiting[4])
            .Select(async x => { await start.WaitAsync(); await Shift(shift).CancelSignup(signups[x.Id], x.Id, asAdmin: false); })
            .Concat(newcomers.Select(async x => { await start.WaitAsync(); await Shift(shift).SignUpSelf(x.Id); })).ToList();
        start.Release(race.Count);
        await Task.WhenAll(race);
        raceOver.Cancel();
        await watcher;
        Assert.True(readings > 0);

        // The first three in line took the three places; the rest keep their order, newcomers behind them.
        var confirmedNow = (await Query.Signups(shift, SignupStatus.Confirmed, new PageRequest(1, 500))).Items.Select(s => s.UserEmail).Order().ToList();
        Assert.Equal(new[] { confirmed[3], waiting[0], waiting[1], waiting[2] }.Select(x => x.Email).Order(), confirmedNow);
        var line = await Line(shift);
        Assert.Equal(new[] { waiting[3].Email, waiting[5].Email }, line.Take(2).Select(l => l.Email));
        Assert.Equal(newcomers.Select(x => x.Email).Order(), line.Skip(2).Select(l => l.Email).Order());
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (int?)i), line.Select(l => l.Position));
        Assert.Equal((4, 10), (await Scalar("SELECT current_volunteers FROM shifts WHERE id = @id", shift),
            await Scalar("SELECT waitlist_count FROM shifts WHERE id = @id", shift)));

        // Each promoted volunteer is emailed once, in the promotion's transaction (so the outbox holds all there will be), and
        // nobody else is.
        var promoted = waiting.Take(3).Select(x => x.Email).ToList();
        Assert.Equal(3, await Mails("shift-waitlist-promoted", v.Select(x => x.Email)));
        Assert.Equal(3, await Mails("shift-waitlist-promoted", promoted));
        foreach (var email in promoted)
            await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(email) && m.Subject == $"A place opened up: {title}")),
                $"the promotion email to {email}");
        Assert.All(promoted, email => Assert.Single(Cluster.Mail.Messages, m => m.To.Contains(email) && m.Subject.StartsWith("A place opened up")));
    }

    [Fact]
    public async Task Leaving_the_waitlist_moves_those_behind_up_and_a_freed_place_goes_to_the_new_first()
    {
        var shift = await NewShift(max: 1);
        var v = await ShiftFixtures.CreateVolunteersAsync(Cluster, 4);
        var ids = new List<Guid>();
        foreach (var x in v) ids.Add((await Shift(shift).SignUpSelf(x.Id)).Id);
        Assert.Equal(new (string, int?)[] { (v[1].Email, 1), (v[2].Email, 2), (v[3].Email, 3) }, await Line(shift));
        var version = await Scalar("SELECT version FROM shifts WHERE id = @id", shift);

        var left = await Shift(shift).CancelSignup(ids[2], v[2].Id, asAdmin: false);
        Assert.Equal(SignupStatus.Cancelled, left.Status);
        Assert.Equal(new (string, int?)[] { (v[1].Email, 1), (v[3].Email, 2) }, await Line(shift));
        var mine = Assert.Single((await Query.Mine(v[3].Id, null, null, new PageRequest(1, 50))).Items);
        Assert.Equal((SignupStatus.Waitlisted, 2), (mine.SignupStatus, mine.WaitlistPosition));
        Assert.Equal(2, mine.Shift.WaitlistCount);
        // Leaving the line frees no place: nobody promoted, nobody emailed but the one who left.
        Assert.Equal((1, 2, version + 1), (await Scalar("SELECT current_volunteers FROM shifts WHERE id = @id", shift),
            await Scalar("SELECT waitlist_count FROM shifts WHERE id = @id", shift), await Scalar("SELECT version FROM shifts WHERE id = @id", shift)));
        Assert.Equal(0, await Mails("shift-waitlist-promoted", v.Select(x => x.Email)));

        // The confirmed one cancels: the first in line takes the place in the same write, and the last moves up.
        await Shift(shift).CancelSignup(ids[0], v[0].Id, asAdmin: true);
        Assert.Equal(new (string, int?)[] { (v[3].Email, 1) }, await Line(shift));
        var promoted = Assert.Single((await Query.Mine(v[1].Id, null, null, new PageRequest(1, 50))).Items);
        Assert.Equal((SignupStatus.Confirmed, (int?)null), (promoted.SignupStatus, promoted.WaitlistPosition));
        Assert.Equal((1, 1, version + 2), (await Scalar("SELECT current_volunteers FROM shifts WHERE id = @id", shift),
            await Scalar("SELECT waitlist_count FROM shifts WHERE id = @id", shift), await Scalar("SELECT version FROM shifts WHERE id = @id", shift)));
        Assert.Equal(1, await Mails("shift-waitlist-promoted", [v[1].Email]));
        Assert.Equal(1, await Mails("shift-waitlist-promoted", v.Select(x => x.Email)));

        // Leaving twice is a conflict, as for a cancelled signup.
        var again = await Assert.ThrowsAsync<DomainException>(() => Shift(shift).CancelSignup(ids[2], v[2].Id, asAdmin: false));
        Assert.Equal("already_cancelled", again.Extensions["reason"]);
    }

    [Fact]
    public async Task A_raised_capacity_promotes_as_many_as_fit_and_a_lowered_one_keeps_every_confirmation_and_promotes_none()
    {
        var shift = await NewShift(max: 2);
        var v = await ShiftFixtures.CreateVolunteersAsync(Cluster, 6);
        var ids = new List<Guid>();
        foreach (var x in v.Take(5)) ids.Add((await Shift(shift).SignUpSelf(x.Id)).Id);
        var version = await Scalar("SELECT version FROM shifts WHERE id = @id", shift);

        var raised = await Shift(shift).Update(new UpdateShiftCommand(null, null, null, null, null, null, 4, null, null));
        Assert.Equal((4, 1, ShiftStatus.Full), (raised.CurrentVolunteers, raised.WaitlistCount, raised.Status));
        Assert.Equal(version + 1, await Scalar("SELECT version FROM shifts WHERE id = @id", shift));
        Assert.Equal(new (string, int?)[] { (v[4].Email, 1) }, await Line(shift));
        Assert.Equal(2, await Mails("shift-waitlist-promoted", [v[2].Email, v[3].Email]));
        Assert.Equal(2, await Mails("shift-waitlist-promoted", v.Select(x => x.Email)));

        // Lowered below the count: all four keep their places, nobody is promoted or taken back, and the shift is full.
        var lowered = await Shift(shift).Update(new UpdateShiftCommand(null, null, null, null, null, null, 1, null, null));
        Assert.Equal((4, 1, 1, ShiftStatus.Full), (lowered.CurrentVolunteers, lowered.MaxVolunteers, lowered.WaitlistCount, lowered.Status));
        Assert.Equal(4, await Scalar("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id AND status = 'CONFIRMED'", shift));
        var late = await Shift(shift).SignUpSelf(v[5].Id);
        Assert.Equal((SignupStatus.Waitlisted, (int?)2), (late.Status, late.WaitlistPosition));

        // A place freed above the lowered capacity is not given again: still no promotion.
        await Shift(shift).CancelSignup(ids[0], v[0].Id, asAdmin: false);
        Assert.Equal((3, 2), (await Scalar("SELECT current_volunteers FROM shifts WHERE id = @id", shift),
            await Scalar("SELECT waitlist_count FROM shifts WHERE id = @id", shift)));
        Assert.Equal(2, await Mails("shift-waitlist-promoted", v.Select(x => x.Email)));
        // The database's own check allows the count kept, never more.
        var refused = await Assert.ThrowsAsync<PostgresException>(() =>
            Db.ExecuteAsync("UPDATE shifts SET current_volunteers = 4 WHERE id = @id", ("id", shift)));
        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
    }
}
