using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;

namespace ChangemakerLite.WebFrontend.Tests.Shifts;

/// <summary>The shifts API through real HTTP on a real cluster: capacity, signups, emails, lists and bad input.</summary>
public sealed partial class ShiftApiTests : ClusterTest
{
    private HttpClient _admin = null!;
    private Guid _adminId;

    protected override IDictionary<string, string?>? Settings =>
        new Dictionary<string, string?> { ["SHIFT_SIGNUP_RATE_LIMIT_PER_IP"] = "100000" };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var admin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        _adminId = admin.Id;
        _admin = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, admin.Id, admin.Email, UserRole.MapAdmin, lifetime: TimeSpan.FromHours(2)));
    }

    public override async Task DisposeAsync()
    {
        _admin.Dispose();
        await base.DisposeAsync();
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static Guid IdOf(JsonElement element) => element.GetProperty("id").GetGuid();

    private async Task<HttpResponseMessage> SignUpSelf(Guid shiftId, string token)
    {
        using var http = Cluster.Http(0, token);
        return await http.PostAsync($"/api/shifts/{shiftId}/signups", null);
    }

    private async Task<(int Count, string Status, int ConfirmedRows)> Counts(Guid shiftId) => (
        await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @id", ("id", shiftId)),
        (await Db.ScalarAsync<string>("SELECT status::text FROM shifts WHERE id = @id", ("id", shiftId)))!,
        await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id AND status = 'CONFIRMED'", ("id", shiftId)));

    private static Task AssertConflict(HttpResponseMessage response, string reason) =>
        Problem.Expect(response, HttpStatusCode.Conflict, reason: reason);

    /// <summary>Shifts this test's admin created: what "writes nothing" is counted on.</summary>
    private Task<long> MyShifts() => Db.ScalarAsync<long>("SELECT count(*) FROM shifts WHERE created_by = @admin", ("admin", _adminId.ToString()));

    [Fact]
    public async Task Two_hundred_parallel_signups_to_ten_places_confirm_exactly_ten_and_line_up_the_rest()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 10));
        var volunteers = await ShiftFixtures.CreateVolunteersAsync(Cluster, 200);

        using var start = new SemaphoreSlim(0);
        var attempts = volunteers.Select(async v =>
        {
            await start.WaitAsync();
            using var response = await SignUpSelf(shift, v.AccessToken);
            return (response.StatusCode, Body: response.StatusCode == HttpStatusCode.Created ? await Json(response) : default);
        }).ToList();
        start.Release(volunteers.Count);
        var answers = await Task.WhenAll(attempts);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        Assert.Equal(10, answers.Count(a => a.Body.GetProperty("status").GetString() == "CONFIRMED"));
        var positions = answers.Where(a => a.Body.GetProperty("status").GetString() == "WAITLISTED")
            .Select(a => a.Body.GetProperty("waitlistPosition").GetInt32()).Order();
        Assert.Equal(Enumerable.Range(1, 190), positions);
        Assert.Equal((10, "FULL", 10), await Counts(shift));
        Assert.Equal(200, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id", ("id", shift)));
        var view = await Json(await _admin.GetAsync($"/api/shifts/{shift}"));
        Assert.Equal(10, view.GetProperty("currentVolunteers").GetInt32());
        Assert.Equal(190, view.GetProperty("waitlistCount").GetInt32());
        Assert.Equal("FULL", view.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_shift_is_created_read_edited_and_listed_as_api_md_says()
    {
        var created = await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 4, isPublic: true, daysFromToday: 3);
        var id = IdOf(created);
        Assert.Equal(ShiftFixtures.Date(3), created.GetProperty("date").GetString());
        Assert.Equal("09:00", created.GetProperty("startTime").GetString());
        Assert.Equal("OPEN", created.GetProperty("status").GetString());
        Assert.Equal(0, created.GetProperty("currentVolunteers").GetInt32());
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT version FROM shifts WHERE id = @id", ("id", id)));

        var volunteer = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        using var asVolunteer = Cluster.Http(0, volunteer.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await asVolunteer.GetAsync($"/api/shifts/{id}")).StatusCode);

        var patched = await _admin.PatchAsJsonAsync($"/api/shifts/{id}", new { title = "Evening doors", maxVolunteers = 6, startTime = "17:30", endTime = "20:00", cutId = (Guid?)null });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var edited = await Json(patched);
        Assert.Equal("Evening doors", edited.GetProperty("title").GetString());
        Assert.Equal(6, edited.GetProperty("maxVolunteers").GetInt32());
        Assert.Equal("17:30", edited.GetProperty("startTime").GetString());
        Assert.Equal("12 Main St", edited.GetProperty("location").GetString());
        Assert.Equal(1, await Db.ScalarAsync<int>("SELECT version FROM shifts WHERE id = @id", ("id", id)));
        Assert.Equal("Evening doors", await Db.ScalarAsync<string>("SELECT title FROM shifts WHERE id = @id", ("id", id)));

        var list = await Json(await asVolunteer.GetAsync($"/api/shifts?from={ShiftFixtures.Date(3)}&to={ShiftFixtures.Date(3)}&status=OPEN"));
        Assert.Contains(list.GetProperty("items").EnumerateArray(), s => IdOf(s) == id);
        Assert.Equal(1, list.GetProperty("page").GetInt32());

        var publicList = await Json(await Cluster.Http().GetAsync("/api/public/shifts?pageSize=500"));
        var shown = publicList.GetProperty("items").EnumerateArray().Single(s => IdOf(s) == id);
        Assert.Equal(0, shown.GetProperty("currentVolunteers").GetInt32());
        Assert.False(shown.TryGetProperty("createdBy", out _));
        Assert.False(shown.TryGetProperty("cutId", out _));
    }

    [Fact]
    public async Task Lists_filter_and_page_and_reject_bad_filters()
    {
        var soon = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, 5, daysFromToday: 61, title: "Soon"));
        var later = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, 5, daysFromToday: 83, title: "Later"));
        await Db.ExecuteAsync("""
            INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers) VALUES (@id, 'Long ago', current_date - 30, '09:00', '10:00', 3)
            """, ("id", Guid.NewGuid()));

        var volunteer = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        using var asVolunteer = Cluster.Http(0, volunteer.AccessToken);
        var upcoming = await Json(await asVolunteer.GetAsync("/api/shifts?pageSize=500"));
        Assert.DoesNotContain(upcoming.GetProperty("items").EnumerateArray(), s => s.GetProperty("title").GetString() == "Long ago");
        var all = await Json(await _admin.GetAsync("/api/shifts?pageSize=500"));
        Assert.Contains(all.GetProperty("items").EnumerateArray(), s => s.GetProperty("title").GetString() == "Long ago");

        var window = await Json(await asVolunteer.GetAsync($"/api/shifts?from={ShiftFixtures.Date(70)}&to={ShiftFixtures.Date(90)}"));
        Assert.Equal([later], window.GetProperty("items").EnumerateArray().Select(IdOf).ToArray());

        var paged = await Json(await _admin.GetAsync($"/api/shifts?from={ShiftFixtures.Date(61)}&to={ShiftFixtures.Date(83)}&page=2&pageSize=1"));
        Assert.Equal(2, paged.GetProperty("total").GetInt64());
        Assert.Equal([later], paged.GetProperty("items").EnumerateArray().Select(IdOf).ToArray());

        Assert.Equal(HttpStatusCode.Created, (await SignUpSelf(soon, volunteer.AccessToken)).StatusCode);
        var mine = await Json(await asVolunteer.GetAsync("/api/shifts/mine"));
        var item = Assert.Single(mine.GetProperty("items").EnumerateArray());
        Assert.Equal(soon, IdOf(item.GetProperty("shift")));
        Assert.Equal("CONFIRMED", item.GetProperty("signupStatus").GetString());

        var signups = await Json(await _admin.GetAsync($"/api/shifts/{soon}/signups"));
        var signup = Assert.Single(signups.GetProperty("items").EnumerateArray());
        Assert.Equal(volunteer.Email, signup.GetProperty("userEmail").GetString());
        Assert.Equal("AUTHENTICATED", signup.GetProperty("signupSource").GetString());
        await Problem.Expect(await _admin.GetAsync($"/api/shifts/{Guid.NewGuid()}/signups"), HttpStatusCode.NotFound);

        foreach (var (query, field) in new[] { ("from=2030-13-01", "from"), ("to=tomorrow", "to"), ("status=CLOSED", "status"), ("cutId=abc", "cutId"), ("pageSize=501", "pageSize") })
            await Problem.Expect(await asVolunteer.GetAsync($"/api/shifts?{query}"), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task The_list_filters_by_cut()
    {
        var cut = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50, name: "Shift filter cut");
        var otherCut = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50, name: "Other cut");
        async Task<Guid> Create(Guid? cutId) => IdOf(await Json(await _admin.PostAsJsonAsync("/api/shifts", new
        {
            title = "Cut shift", date = ShiftFixtures.Date(12), startTime = "09:00", endTime = "11:00", maxVolunteers = 3, cutId,
        })));
        var inCut = new[] { await Create(cut), await Create(cut) };
        await Create(otherCut);
        await Create(null);

        var listed = await Json(await _admin.GetAsync($"/api/shifts?cutId={cut}&pageSize=500"));
        Assert.Equal(inCut.Order(), listed.GetProperty("items").EnumerateArray().Select(IdOf).Order());
        Assert.Equal(2, listed.GetProperty("total").GetInt64());
        Assert.All(listed.GetProperty("items").EnumerateArray(), s => Assert.Equal(cut, s.GetProperty("cutId").GetGuid()));
        var none = await Json(await _admin.GetAsync($"/api/shifts?cutId={Guid.NewGuid()}"));
        Assert.Equal(0, none.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task A_cancelled_signup_frees_its_place_emails_the_volunteer_and_the_same_row_is_confirmed_again_on_re_signup()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 1, title: "Phone bank"));
        var volunteer = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        var first = await SignUpSelf(shift, volunteer.AccessToken);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var signupId = IdOf(await Json(first));
        Assert.Equal((1, "FULL", 1), await Counts(shift));
        await AssertConflict(await SignUpSelf(shift, volunteer.AccessToken), "already_signed_up");

        var someoneElse = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        using (var other = Cluster.Http(0, someoneElse.AccessToken))
            await Problem.Expect(await other.DeleteAsync($"/api/shifts/{shift}/signups/{signupId}"), HttpStatusCode.NotFound);

        using var asVolunteer = Cluster.Http(0, volunteer.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await asVolunteer.DeleteAsync($"/api/shifts/{shift}/signups/{signupId}")).StatusCode);
        Assert.Equal((0, "OPEN", 0), await Counts(shift));
        await AssertConflict(await asVolunteer.DeleteAsync($"/api/shifts/{shift}/signups/{signupId}"), "already_cancelled");
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(volunteer.Email) && m.Subject == "Signup cancelled: Phone bank")),
            "the cancellation email");

        var again = await SignUpSelf(shift, volunteer.AccessToken);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(signupId, IdOf(await Json(again)));
        Assert.Equal((1, "FULL", 1), await Counts(shift));
        Assert.Equal(1, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id", ("id", shift)));
    }

    [Fact]
    public async Task Signing_up_twice_is_409_already_signed_up()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 5));
        var volunteer = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        Assert.Equal(HttpStatusCode.Created, (await SignUpSelf(shift, volunteer.AccessToken)).StatusCode);
        await AssertConflict(await SignUpSelf(shift, volunteer.AccessToken), "already_signed_up");
        Assert.Equal((1, "OPEN", 1), await Counts(shift));
    }

    [Fact]
    public async Task Lowering_max_volunteers_below_the_confirmed_signups_keeps_them_and_meeting_them_makes_the_shift_full()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 5));
        foreach (var v in await ShiftFixtures.CreateVolunteersAsync(Cluster, 3))
            Assert.Equal(HttpStatusCode.Created, (await SignUpSelf(shift, v.AccessToken)).StatusCode);

        var lowered = await Json(await _admin.PatchAsJsonAsync($"/api/shifts/{shift}", new { maxVolunteers = 2 }));
        Assert.Equal((2, 3, "FULL"), (lowered.GetProperty("maxVolunteers").GetInt32(), lowered.GetProperty("currentVolunteers").GetInt32(),
            lowered.GetProperty("status").GetString()));
        Assert.Equal((3, "FULL", 3), await Counts(shift));

        Assert.Equal("FULL", (await Json(await _admin.PatchAsJsonAsync($"/api/shifts/{shift}", new { maxVolunteers = 3 }))).GetProperty("status").GetString());
        Assert.Equal((3, "FULL", 3), await Counts(shift));
        Assert.Equal("OPEN", (await Json(await _admin.PatchAsJsonAsync($"/api/shifts/{shift}", new { maxVolunteers = 4 }))).GetProperty("status").GetString());
        Assert.Equal((3, "OPEN", 3), await Counts(shift));
    }

    [Fact]
    public async Task Past_and_cancelled_shifts_refuse_signups_with_their_reason()
    {
        var past = Guid.NewGuid();
        await Db.ExecuteAsync("""
            INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers, is_public) VALUES (@id, 'Yesterday', current_date - 1, '09:00', '10:00', 3, true)
            """, ("id", past));
        var volunteer = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        await AssertConflict(await SignUpSelf(past, volunteer.AccessToken), "past");
        await AssertConflict(await Cluster.Http().PostAsJsonAsync($"/api/public/shifts/{past}/signups", new { name = "Late", email = "late@example.org" }), "past");

        var cancelled = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 3));
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/shifts/{cancelled}/cancel", null)).StatusCode);
        await AssertConflict(await SignUpSelf(cancelled, volunteer.AccessToken), "cancelled");
        await AssertConflict(await _admin.PostAsync($"/api/shifts/{cancelled}/cancel", null), "cancelled");
        await AssertConflict(await _admin.PatchAsJsonAsync($"/api/shifts/{cancelled}", new { maxVolunteers = 9 }), "cancelled");
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id IN (@a, @b)", ("a", past), ("b", cancelled)));
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM users WHERE email = 'late@example.org'"));
    }

    [Fact]
    public async Task Cancelling_a_shift_emails_every_confirmed_volunteer_and_only_them()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 5, title: "Lit drop"));
        var volunteers = await ShiftFixtures.CreateVolunteersAsync(Cluster, 4);
        foreach (var v in volunteers) Assert.Equal(HttpStatusCode.Created, (await SignUpSelf(shift, v.AccessToken)).StatusCode);
        var withdrawn = volunteers[3];
        var signupOfWithdrawn = await Db.ScalarAsync<Guid>("SELECT id FROM shift_signups WHERE user_email = @e", ("e", withdrawn.Email));
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/shifts/{shift}/signups/{signupOfWithdrawn}")).StatusCode);

        var cancelled = await _admin.PostAsync($"/api/shifts/{shift}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("CANCELLED", (await Json(cancelled)).GetProperty("status").GetString());
        Assert.Equal("CANCELLED", (await Counts(shift)).Status);

        foreach (var v in volunteers.Take(3))
            await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(v.Email) && m.Subject == "Shift cancelled: Lit drop")),
                $"the cancellation email to {v.Email}");
        // The cancellation's emails are queued in the cancel's own transaction: the outbox holds all there will ever be.
        var queued = await Db.ScalarAsync<string>("""
            SELECT string_agg(to_address, ',' ORDER BY to_address) FROM outbox_messages WHERE to_address = ANY(@emails) AND subject = 'Shift cancelled: Lit drop'
            """, ("emails", volunteers.Select(v => v.Email).ToArray()));
        Assert.Equal(string.Join(',', volunteers.Take(3).Select(v => v.Email).Order(StringComparer.Ordinal)), queued);
    }

    [Fact]
    public async Task Temp_users_cannot_use_the_authenticated_signup()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 5));
        var temp = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1, UserRole.Temp))[0];
        await Problem.Expect(await SignUpSelf(shift, temp.AccessToken), HttpStatusCode.Forbidden);
        Assert.Equal((0, "OPEN", 0), await Counts(shift));
    }

    [Fact]
    public async Task Admins_add_volunteers_by_user_id_or_by_email_and_others_may_not()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 5, title: "Canvass"));
        var existing = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        var byId = await _admin.PostAsJsonAsync($"/api/shifts/{shift}/signups", new { userId = existing.Id });
        Assert.Equal(HttpStatusCode.Created, byId.StatusCode);
        Assert.Equal("ADMIN", (await Json(byId)).GetProperty("signupSource").GetString());

        var byEmail = await _admin.PostAsJsonAsync($"/api/shifts/{shift}/signups", new { email = "New.Person@Example.org", name = "New Person" });
        Assert.Equal(HttpStatusCode.Created, byEmail.StatusCode);
        Assert.Equal("new.person@example.org", (await Json(byEmail)).GetProperty("userEmail").GetString());
        Assert.Equal("TEMP", await Db.ScalarAsync<string>("SELECT role::text FROM users WHERE email = 'new.person@example.org'"));
        Assert.Equal("ADMIN", await Db.ScalarAsync<string>("SELECT created_via::text FROM users WHERE email = 'new.person@example.org'"));
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains("new.person@example.org") && m.TextBody!.Contains("password:"))),
            "the confirmation with the temporary password");

        await Problem.Expect(await _admin.PostAsJsonAsync($"/api/shifts/{shift}/signups", new { userId = Guid.NewGuid() }), HttpStatusCode.NotFound);
        var both = await _admin.PostAsJsonAsync($"/api/shifts/{shift}/signups", new { userId = existing.Id, email = "x@example.org", name = "X" });
        await Problem.Expect(both, HttpStatusCode.BadRequest);

        var plain = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        using var asPlain = Cluster.Http(0, plain.AccessToken);
        await Problem.Expect(await asPlain.PostAsJsonAsync($"/api/shifts/{shift}/signups", new { email = "y@example.org", name = "Y" }), HttpStatusCode.Forbidden);
        Assert.Equal((2, "OPEN", 2), await Counts(shift));
    }

    [Fact]
    public async Task Public_signup_creates_a_temp_user_that_expires_after_the_shift_and_emails_a_working_password()
    {
        var shift = await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 5, isPublic: true, daysFromToday: 10, title: "Sign build");
        var id = IdOf(shift);
        using var anonymous = Cluster.Http();
        var response = await anonymous.PostAsJsonAsync($"/api/public/shifts/{id}/signups", new { name = "Pat Public", email = "Pat@Example.org", phone = "555-0100" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await Json(response);
        Assert.Equal("pat@example.org", body.GetProperty("email").GetString());
        Assert.Equal("CONFIRMED", body.GetProperty("status").GetString());
        Assert.False(body.TryGetProperty("userId", out _));
        Assert.False(body.TryGetProperty("password", out _));

        Assert.Equal("TEMP", await Db.ScalarAsync<string>("SELECT role::text FROM users WHERE email = 'pat@example.org'"));
        Assert.Equal("PUBLIC_SHIFT_SIGNUP", await Db.ScalarAsync<string>("SELECT created_via::text FROM users WHERE email = 'pat@example.org'"));
        var expiresAt = await Db.ScalarAsync<DateTime>("SELECT expires_at FROM users WHERE email = 'pat@example.org'");
        var shiftDay = DateTime.Parse(shift.GetProperty("date").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(expiresAt > shiftDay.AddDays(1), $"expires {expiresAt:o}, shift on {shiftDay:yyyy-MM-dd}");
        Assert.Equal("PUBLIC", await Db.ScalarAsync<string>("SELECT signup_source::text FROM shift_signups WHERE user_email = 'pat@example.org'"));
        Assert.Equal((1, "OPEN", 1), await Counts(id));

        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains("pat@example.org"))), "the confirmation email");
        var mail = Cluster.Mail.Messages.Single(m => m.To.Contains("pat@example.org"));
        Assert.Equal("You're signed up: Sign build", mail.Subject);
        var password = PasswordInMail().Match(mail.TextBody!).Groups[1].Value;
        var login = await anonymous.PostAsJsonAsync("/api/auth/login", new { email = "pat@example.org", password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal("TEMP", (await Json(login)).GetProperty("user").GetProperty("role").GetString());
    }

    [Fact]
    public async Task Public_signup_with_an_existing_account_links_it_untouched_and_a_temp_user_is_kept_until_the_later_shift()
    {
        var member = await TestUsers.CreateAsync(Db, UserRole.User, email: "member@example.org");
        var hashBefore = await Db.ScalarAsync<string>("SELECT password_hash FROM users WHERE id = @id", ("id", member.Id));
        var soon = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, 5, isPublic: true, daysFromToday: 5));
        var later = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, 5, isPublic: true, daysFromToday: 25));
        using var anonymous = Cluster.Http();

        var linked = await anonymous.PostAsJsonAsync($"/api/public/shifts/{soon}/signups", new { name = "Someone Else", email = "member@example.org" });
        Assert.Equal(HttpStatusCode.Created, linked.StatusCode);
        Assert.Equal(member.Id, await Db.ScalarAsync<Guid>("SELECT user_id FROM shift_signups WHERE shift_id = @s", ("s", soon)));
        Assert.Equal("USER", await Db.ScalarAsync<string>("SELECT role::text FROM users WHERE id = @id", ("id", member.Id)));
        Assert.Equal(hashBefore, await Db.ScalarAsync<string>("SELECT password_hash FROM users WHERE id = @id", ("id", member.Id)));
        Assert.Null(await Db.ScalarAsync<DateTime?>("SELECT expires_at FROM users WHERE id = @id", ("id", member.Id)));
        // The answer looks the same as for a brand-new volunteer.
        var fresh = await anonymous.PostAsJsonAsync($"/api/public/shifts/{soon}/signups", new { name = "Fresh", email = "fresh@example.org" });
        Assert.Equal(
            (await Json(linked)).EnumerateObject().Select(p => p.Name).Order().ToArray(),
            (await Json(fresh)).EnumerateObject().Select(p => p.Name).Order().ToArray());

        var firstExpiry = await Db.ScalarAsync<DateTime>("SELECT expires_at FROM users WHERE email = 'fresh@example.org'");
        Assert.Equal(HttpStatusCode.Created, (await anonymous.PostAsJsonAsync($"/api/public/shifts/{later}/signups", new { name = "Fresh", email = "fresh@example.org" })).StatusCode);
        var secondExpiry = await Db.ScalarAsync<DateTime>("SELECT expires_at FROM users WHERE email = 'fresh@example.org'");
        Assert.Equal(firstExpiry.AddDays(20), secondExpiry);
        Assert.Equal(1, await Db.ScalarAsync<int>("SELECT count(*)::int FROM users WHERE email = 'fresh@example.org'"));

        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Count(m => m.To.Contains("fresh@example.org")) == 2), "both confirmations");
        Assert.Single(Cluster.Mail.Messages, m => m.To.Contains("fresh@example.org") && m.TextBody!.Contains("password:"));
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains("member@example.org"))), "the member's confirmation");
        Assert.DoesNotContain(Cluster.Mail.Messages, m => m.To.Contains("member@example.org") && m.TextBody!.Contains("password:"));
    }

    [Fact]
    public async Task Public_signup_to_a_shift_that_is_not_public_is_404()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, 5, isPublic: false));
        var response = await Cluster.Http().PostAsJsonAsync($"/api/public/shifts/{shift}/signups", new { name = "N", email = "hidden@example.org" });
        await Problem.Expect(response, HttpStatusCode.NotFound);
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM users WHERE email = 'hidden@example.org'"));
        var publicList = await Json(await Cluster.Http().GetAsync("/api/public/shifts?pageSize=500"));
        Assert.DoesNotContain(publicList.GetProperty("items").EnumerateArray(), s => IdOf(s) == shift);
    }

    [Fact]
    public async Task Deleting_a_shift_removes_its_signups()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, 5));
        var volunteer = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        Assert.Equal(HttpStatusCode.Created, (await SignUpSelf(shift, volunteer.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/shifts/{shift}")).StatusCode);
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id", ("id", shift)));
        await Problem.Expect(await _admin.GetAsync($"/api/shifts/{shift}"), HttpStatusCode.NotFound);
        await Problem.Expect(await _admin.DeleteAsync($"/api/shifts/{shift}"), HttpStatusCode.NotFound);
        await Problem.Expect(await SignUpSelf(shift, volunteer.AccessToken), HttpStatusCode.NotFound);
    }

    public static TheoryData<string, string> BadShifts() => new()
    {
        { """{"title":"T","date":"2020-01-01","startTime":"09:00","endTime":"10:00","maxVolunteers":3}""", "date" },
        { """{"title":"T","date":"2099-02-30","startTime":"09:00","endTime":"10:00","maxVolunteers":3}""", "date" },
        { """{"title":"T","date":"tomorrow","startTime":"09:00","endTime":"10:00","maxVolunteers":3}""", "date" },
        { """{"title":"T","date":"2099-01-01","startTime":"12:00","endTime":"11:00","maxVolunteers":3}""", "endTime" },
        { """{"title":"T","date":"2099-01-01","startTime":"12:00","endTime":"12:00","maxVolunteers":3}""", "endTime" },
        { """{"title":"T","date":"2099-01-01","startTime":"25:00","endTime":"26:00","maxVolunteers":3}""", "startTime" },
        { """{"title":"T","date":"2099-01-01","startTime":"9am","endTime":"10:00","maxVolunteers":3}""", "startTime" },
        { """{"title":"T","date":"2099-01-01","startTime":"09:00","endTime":"10:60","maxVolunteers":3}""", "endTime" },
        { """{"title":"T","date":"2099-01-01","startTime":"09:00","endTime":"10:00","maxVolunteers":0}""", "maxVolunteers" },
        { """{"title":"T","date":"2099-01-01","startTime":"09:00","endTime":"10:00","maxVolunteers":-4}""", "maxVolunteers" },
        { """{"title":"T","date":"2099-01-01","startTime":"09:00","endTime":"10:00","maxVolunteers":10001}""", "maxVolunteers" },
        { """{"title":"T","date":"2099-01-01","startTime":"09:00","endTime":"10:00","maxVolunteers":"lots"}""", "maxVolunteers" },
        { """{"title":"T","date":"2099-01-01","startTime":"09:00","endTime":"10:00"}""", "maxVolunteers" },
        { """{"title":"  ","date":"2099-01-01","startTime":"09:00","endTime":"10:00","maxVolunteers":3}""", "title" },
        { """{"title":"T","date":"2099-01-01","startTime":"09:00","endTime":"10:00","maxVolunteers":3,"cutId":"not-a-uuid"}""", "cutId" },
        { """{"title":"T","date":"2099-01-01","startTime":"09:00","endTime":"10:00","maxVolunteers":3,"cutId":"0190a0a0-0000-7000-8000-000000000000"}""", "cutId" },
        { """{"title":"T","date":"2099-01-01",""", "body" },
        { """not json at all""", "body" },
    };

    [Theory]
    [MemberData(nameof(BadShifts))]
    public async Task Bad_shift_input_is_400_naming_the_field_and_writes_nothing(string json, string field)
    {
        var response = await _admin.PostAsync("/api/shifts", new StringContent(json, Encoding.UTF8, "application/json"));
        await Problem.Expect(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(0, await MyShifts());
    }

    public static TheoryData<string, string> BadEdits() => new()
    {
        { """{"startTime":"24:00"}""", "startTime" },
        { """{"endTime":"08:00"}""", "endTime" },
        { """{"maxVolunteers":0}""", "maxVolunteers" },
        { """{"date":"2020-01-01"}""", "date" },
        { """{"date":"01/02/2099"}""", "date" },
        { """{"title":""}""", "title" },
        { """{"cutId":42}""", "cutId" },
        { """{"maxVolunteers":3,""", "body" },
        { """{"maxVolunteers":""", "maxVolunteers" },
    };

    [Theory]
    [MemberData(nameof(BadEdits))]
    public async Task Bad_edits_are_400_naming_the_field_and_change_nothing(string json, string field)
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, 5));
        var response = await _admin.PatchAsync($"/api/shifts/{shift}", new StringContent(json, Encoding.UTF8, "application/json"));
        await Problem.Expect(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT version FROM shifts WHERE id = @id", ("id", shift)));
    }

    public static TheoryData<string, string> BadPublicSignups() => new()
    {
        { """{"email":"a@example.org"}""", "name" },
        { """{"name":"A"}""", "email" },
        { """{"name":"A","email":"not-an-email"}""", "email" },
        { """{"name":"A","email":"a@example.org","phone":12}""", "phone" },
        { """{"name":"A",""", "body" },
        { """[1, 2""", "body" },
    };

    [Theory]
    [MemberData(nameof(BadPublicSignups))]
    public async Task Bad_public_signups_are_400_naming_the_field_and_write_nothing(string json, string field)
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, 5, isPublic: true));
        using var anonymous = Cluster.Http();
        var response = await anonymous.PostAsync($"/api/public/shifts/{shift}/signups", new StringContent(json, Encoding.UTF8, "application/json"));
        await Problem.Expect(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(0, await Db.ScalarAsync<long>("SELECT count(*) FROM users WHERE email IN ('a@example.org', 'not-an-email')"));
        Assert.Equal((0, "OPEN", 0), await Counts(shift));
    }

    [GeneratedRegex(@"password: (\S+)")]
    private static partial Regex PasswordInMail();
}
