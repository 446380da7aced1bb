using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;

namespace ChangemakerLite.Grains.Tests.Shifts;

/// <summary>
/// The shift grain against writes it did not make: what a second activation during a membership change
/// would do. The version check must make the grain reload and decide again, never overwrite.
/// </summary>
public sealed class ShiftGrainTests : ClusterTest
{

    private IShiftGrain Shift(Guid id) => Cluster.ClientOf(0).GetGrain<IShiftGrain>(id);

    private async Task<Guid> NewShift(int max)
    {
        var id = Ids.New();
        await Shift(id).Create(new CreateShiftCommand("Doors", null, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(5), "09:00", "12:00",
            null, max, true, null, null));
        return id;
    }

    /// <summary>Another writer's signup, exactly as another activation of the grain would commit it.</summary>
    private async Task SignUpBehindTheGrainsBack(Guid shift, Volunteer volunteer) =>
        await Db.ExecuteAsync("""
            WITH s AS (
                INSERT INTO shift_signups (id, shift_id, shift_title, user_id, user_email, user_name, status, signup_source)
                VALUES (gen_random_uuid(), @shift, 'Doors', @user, @email, 'Other activation', 'CONFIRMED', 'AUTHENTICATED')
            )
            UPDATE shifts SET current_volunteers = current_volunteers + 1,
                              status = CASE WHEN current_volunteers + 1 >= max_volunteers THEN 'FULL'::shift_status ELSE 'OPEN'::shift_status END,
                              version = version + 1
            WHERE id = @shift
            """, ("shift", shift), ("user", volunteer.Id), ("email", volunteer.Email));

    [Fact]
    public async Task A_signup_committed_by_another_activation_is_counted_not_overwritten()
    {
        var shift = await NewShift(max: 3);
        var volunteers = await ShiftFixtures.CreateVolunteersAsync(Cluster, 4);
        await Shift(shift).SignUpSelf(volunteers[0].Id);
        await SignUpBehindTheGrainsBack(shift, volunteers[1]);

        // The grain still believes 1 of 3; its write must fail the version check, reload (2 of 3) and count on from there.
        var third = await Shift(shift).SignUpSelf(volunteers[2].Id);
        Assert.Equal(SignupStatus.Confirmed, third.Status);
        Assert.Equal(3, await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @id", ("id", shift)));
        Assert.Equal("FULL", await Db.ScalarAsync<string>("SELECT status::text FROM shifts WHERE id = @id", ("id", shift)));
        Assert.Equal(3, await Db.ScalarAsync<int>("SELECT version FROM shifts WHERE id = @id", ("id", shift)));
        Assert.Equal(3, (await Shift(shift).Get()).CurrentVolunteers);

        // Full: the next one waits, first in line.
        var waiting = await Shift(shift).SignUpSelf(volunteers[3].Id);
        Assert.Equal(SignupStatus.Waitlisted, waiting.Status);
        Assert.Equal(1, waiting.WaitlistPosition);
        Assert.Equal(3, await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @id", ("id", shift)));
        Assert.Equal(1, (await Shift(shift).Get()).WaitlistCount);
    }

    [Fact]
    public async Task A_stale_grain_that_would_overbook_waitlists_on_the_fresh_state()
    {
        var shift = await NewShift(max: 2);
        var volunteers = await ShiftFixtures.CreateVolunteersAsync(Cluster, 3);
        await Shift(shift).SignUpSelf(volunteers[0].Id);
        await SignUpBehindTheGrainsBack(shift, volunteers[1]);

        // In memory there is still a place; in the database the shift is full. The capacity rule must win.
        var waiting = await Shift(shift).SignUpSelf(volunteers[2].Id);
        Assert.Equal(SignupStatus.Waitlisted, waiting.Status);
        Assert.Equal(1, waiting.WaitlistPosition);
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id AND status = 'CONFIRMED'", ("id", shift)));
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @id", ("id", shift)));
        Assert.Equal(1, await Db.ScalarAsync<int>("SELECT waitlist_count FROM shifts WHERE id = @id", ("id", shift)));
    }

    [Fact]
    public async Task An_edit_made_elsewhere_is_kept_when_the_grain_writes_next()
    {
        var shift = await NewShift(max: 5);
        await Db.ExecuteAsync("UPDATE shifts SET location = 'Moved to the library', version = version + 1 WHERE id = @id", ("id", shift));

        var edited = await Shift(shift).Update(new UpdateShiftCommand("Renamed", null, null, null, null, null, 8, null, null));
        Assert.Equal("Moved to the library", edited.Location);
        Assert.Equal("Moved to the library", await Db.ScalarAsync<string>("SELECT location FROM shifts WHERE id = @id", ("id", shift)));
        Assert.Equal(8, await Db.ScalarAsync<int>("SELECT max_volunteers FROM shifts WHERE id = @id", ("id", shift)));
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT version FROM shifts WHERE id = @id", ("id", shift)));
    }

    [Fact]
    public async Task Every_write_bumps_the_version_once()
    {
        var shift = await NewShift(max: 5);
        var volunteer = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        var signup = await Shift(shift).SignUpSelf(volunteer.Id);
        await Shift(shift).CancelSignup(signup.Id, volunteer.Id, asAdmin: false);
        await Shift(shift).Update(new UpdateShiftCommand(null, "Bring water", null, null, null, null, null, null, null));
        await Shift(shift).Cancel(Guid.NewGuid());
        Assert.Equal(4, await Db.ScalarAsync<int>("SELECT version FROM shifts WHERE id = @id", ("id", shift)));
        Assert.Equal(ShiftStatus.Cancelled, (await Shift(shift).Get()).Status);
    }

    [Fact]
    public async Task Signups_committed_together_count_each_person_once_and_stop_at_capacity()
    {
        var shift = await NewShift(max: 3);
        var v = await ShiftFixtures.CreateVolunteersAsync(Cluster, 4);
        await Shift(shift).SignUpSelf(v[0].Id);

        // Arriving together they share a group commit: a person already in, the same person twice, and one too many.
        var calls = new[] { v[0], v[1], v[1], v[2], v[3], v[3] }.Select(async x =>
        {
            try { return (Email: (await Shift(shift).SignUpSelf(x.Id)).UserEmail, Outcome: "created"); }
            catch (DomainException e) { return (x.Email, Outcome: e.Extensions["reason"]?.ToString()); }
        }).ToList();
        var outcomes = await Task.WhenAll(calls);

        // Arrival order decides who gets the two places and who waits; nobody is taken twice, the one already in not again.
        var created = outcomes.Where(o => o.Outcome == "created").Select(o => o.Email).ToList();
        Assert.Equal(new[] { v[1].Email, v[2].Email, v[3].Email }.Order(), created.Order());
        Assert.All(outcomes.Where(o => o.Outcome != "created"), o => Assert.Equal("already_signed_up", o.Outcome));
        Assert.Equal(3, await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @id", ("id", shift)));
        Assert.Equal(3, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id AND status = 'CONFIRMED'", ("id", shift)));
        Assert.Equal(1, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id AND status = 'WAITLISTED'", ("id", shift)));
        Assert.Equal(4, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id", ("id", shift)));
        var view = await Shift(shift).Get();
        Assert.Equal((ShiftStatus.Full, 1), (view.Status, view.WaitlistCount));
    }

    [Fact]
    public async Task Rounds_of_many_shifts_committed_together_keep_each_shift_exact_and_a_stale_one_decides_again()
    {
        var shifts = new List<Guid>();
        for (var i = 0; i < 12; i++) shifts.Add(await NewShift(max: 2));
        var v = await ShiftFixtures.CreateVolunteersAsync(Cluster, 3);
        foreach (var shift in shifts) await Shift(shift).SignUpSelf(v[0].Id);
        // Shift 0 is filled by another activation: its grain still believes one place is left.
        await SignUpBehindTheGrainsBack(shifts[0], v[1]);

        // All shifts at once, so their rounds share the silo's signup writer: v[1] again (already in on shift 0),
        // and v[2] everywhere.
        var outcomes = await Task.WhenAll(shifts.SelectMany(shift => new[] { v[1], v[2] }.Select(async x =>
        {
            try { return (Shift: shift, x.Email, Reason: (await Shift(shift).SignUpSelf(x.Id)).Status.ToString()); }
            catch (DomainException e) { return (Shift: shift, x.Email, Reason: e.Extensions["reason"]?.ToString() ?? e.Message); }
        })));

        // Shift 0 was full: v[1] is already in, v[2] waits.
        Assert.Equal(new[] { "Waitlisted", "already_signed_up" }, outcomes.Where(o => o.Shift == shifts[0]).Select(o => o.Reason).Order());
        foreach (var shift in shifts.Skip(1))
        {
            // One place was left: exactly one of the two got it, the other waits first in line.
            var mine = outcomes.Where(o => o.Shift == shift).Select(o => o.Reason).Order().ToList();
            Assert.Equal(new[] { "Confirmed", "Waitlisted" }, mine);
        }
        foreach (var shift in shifts)
        {
            Assert.Equal(2, await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @id", ("id", shift)));
            Assert.Equal(2, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id AND status = 'CONFIRMED'", ("id", shift)));
            Assert.Equal("FULL", await Db.ScalarAsync<string>("SELECT status::text FROM shifts WHERE id = @id", ("id", shift)));
            Assert.Equal(2, (await Shift(shift).Get()).CurrentVolunteers);
            Assert.Equal(1, await Db.ScalarAsync<int>("SELECT waitlist_count FROM shifts WHERE id = @id", ("id", shift)));
        }
        // One confirmation per confirmed signup, one waitlist notice per waitlisted one, none for a refused one.
        var emails = v.Select(x => x.Email).ToArray();
        Assert.Equal(shifts.Count + 11, await Db.ScalarAsync<int>(
            "SELECT count(*)::int FROM outbox_messages WHERE to_address = ANY(@emails) AND template_key = 'shift-signup-confirmed'", ("emails", emails)));
        Assert.Equal(shifts.Count, await Db.ScalarAsync<int>(
            "SELECT count(*)::int FROM outbox_messages WHERE to_address = ANY(@emails) AND template_key = 'shift-waitlisted'", ("emails", emails)));
        Assert.Equal(shifts.Count * 2 + 11, await Db.ScalarAsync<int>(
            "SELECT count(*)::int FROM outbox_messages WHERE to_address = ANY(@emails)", ("emails", emails)));
    }

    [Fact]
    public async Task A_temp_user_is_refused_by_the_grain_itself()
    {
        var shift = await NewShift(max: 5);
        var temp = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1, UserRole.Temp))[0];
        var refused = await Assert.ThrowsAsync<DomainException>(() => Shift(shift).SignUpSelf(temp.Id));
        Assert.Equal(DomainErrorKind.Forbidden, refused.Kind);
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @id", ("id", shift)));
    }
}
