using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.WebFrontend.Tests.Shifts;

/// <summary>The waitlist over HTTP (docs/api/shifts.md): answers, views, emails, live events and bad input.</summary>
public sealed partial class ShiftWaitlistApiTests : ClusterTest
{
    private HttpClient _admin = null!;

    protected override IDictionary<string, string?>? Settings =>
        new Dictionary<string, string?> { ["SHIFT_SIGNUP_RATE_LIMIT_PER_IP"] = "100000" };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
    }

    public override async Task DisposeAsync()
    {
        _admin.Dispose();
        await base.DisposeAsync();
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static Guid IdOf(JsonElement element) => element.GetProperty("id").GetGuid();

    private async Task<JsonElement> SignUp(Guid shift, Volunteer volunteer)
    {
        using var http = Cluster.Http(0, volunteer.AccessToken);
        using var response = await http.PostAsync($"/api/shifts/{shift}/signups", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Json(response);
    }

    [Fact]
    public async Task A_full_shift_answers_waitlisted_with_the_position_and_every_view_shows_the_line()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 1, isPublic: true));
        var v = await ShiftFixtures.CreateVolunteersAsync(Cluster, 3);
        Assert.Equal("CONFIRMED", (await SignUp(shift, v[0])).GetProperty("status").GetString());
        var second = await SignUp(shift, v[1]);
        Assert.Equal(("WAITLISTED", 1), (second.GetProperty("status").GetString(), second.GetProperty("waitlistPosition").GetInt32()));
        var byAdmin = await _admin.PostAsJsonAsync($"/api/shifts/{shift}/signups", new { userId = v[2].Id });
        Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);
        var third = await Json(byAdmin);
        Assert.Equal(("WAITLISTED", 2, "ADMIN"), (third.GetProperty("status").GetString(), third.GetProperty("waitlistPosition").GetInt32(),
            third.GetProperty("signupSource").GetString()));

        // Signing up again while in line is a conflict and takes no second place.
        using (var again = Cluster.Http(0, v[1].AccessToken))
            await Problem.Expect(await again.PostAsync($"/api/shifts/{shift}/signups", null), HttpStatusCode.Conflict, reason: "already_signed_up");

        var view = await Json(await _admin.GetAsync($"/api/shifts/{shift}"));
        Assert.Equal((1, 2, "FULL"), (view.GetProperty("currentVolunteers").GetInt32(), view.GetProperty("waitlistCount").GetInt32(),
            view.GetProperty("status").GetString()));
        var listed = (await Json(await Cluster.Http().GetAsync("/api/public/shifts?pageSize=500"))).GetProperty("items").EnumerateArray().Single(s => IdOf(s) == shift);
        Assert.Equal(2, listed.GetProperty("waitlistCount").GetInt32());

        // Admins see the line in order; the volunteer sees their own place.
        var line = await Json(await _admin.GetAsync($"/api/shifts/{shift}/signups?status=WAITLISTED"));
        Assert.Equal(new[] { (v[1].Email, 1), (v[2].Email, 2) },
            line.GetProperty("items").EnumerateArray().Select(s => (s.GetProperty("userEmail").GetString()!, s.GetProperty("waitlistPosition").GetInt32())));
        Assert.Equal(2, line.GetProperty("total").GetInt64());
        using var asThird = Cluster.Http(0, v[2].AccessToken);
        var mine = Assert.Single((await Json(await asThird.GetAsync("/api/shifts/mine"))).GetProperty("items").EnumerateArray());
        Assert.Equal(("WAITLISTED", 2), (mine.GetProperty("signupStatus").GetString(), mine.GetProperty("waitlistPosition").GetInt32()));
        Assert.Equal(2, mine.GetProperty("shift").GetProperty("waitlistCount").GetInt32());

        // The second leaves the line: the third moves up.
        var secondId = IdOf(second);
        using (var asSecond = Cluster.Http(0, v[1].AccessToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await asSecond.DeleteAsync($"/api/shifts/{shift}/signups/{secondId}")).StatusCode);
            await Problem.Expect(await asSecond.DeleteAsync($"/api/shifts/{shift}/signups/{secondId}"), HttpStatusCode.Conflict, reason: "already_cancelled");
        }
        // Someone else's place in line answers like one that does not exist.
        using (var other = Cluster.Http(0, v[0].AccessToken))
            await Problem.Expect(await other.DeleteAsync($"/api/shifts/{shift}/signups/{IdOf(third)}"), HttpStatusCode.NotFound);
        mine = Assert.Single((await Json(await asThird.GetAsync("/api/shifts/mine"))).GetProperty("items").EnumerateArray());
        Assert.Equal(1, mine.GetProperty("waitlistPosition").GetInt32());
    }

    [Fact]
    public async Task A_public_signup_to_a_full_shift_is_waitlisted_told_by_mail_and_promoted_when_a_place_frees()
    {
        const string title = "Waitlist sign build";
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 1, isPublic: true, title: title));
        var first = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        var firstSignup = IdOf(await SignUp(shift, first));
        var email = $"line-{Guid.NewGuid():N}@example.org";

        using var anonymous = Cluster.Http();
        var response = await anonymous.PostAsJsonAsync($"/api/public/shifts/{shift}/signups", new { name = "Lee Inline", email });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await Json(response);
        Assert.Equal(("WAITLISTED", 1), (body.GetProperty("status").GetString(), body.GetProperty("waitlistPosition").GetInt32()));
        Assert.Equal("WAITLISTED", await Db.ScalarAsync<string>("SELECT status::text FROM shift_signups WHERE user_email = @e", ("e", email)));

        // The notice carries the place in line and the new TEMP account's password, which works.
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(email))), "the waitlist notice");
        var notice = Cluster.Mail.Messages.Single(m => m.To.Contains(email));
        Assert.Equal($"You're on the waitlist: {title}", notice.Subject);
        Assert.Contains("number 1 in line", notice.TextBody);
        var password = PasswordInMail().Match(notice.TextBody!).Groups[1].Value;
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/auth/login", new { email, password })).StatusCode);

        // The confirmed volunteer cancels: the public one takes the place at once and is told once.
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/shifts/{shift}/signups/{firstSignup}")).StatusCode);
        Assert.Equal("CONFIRMED", await Db.ScalarAsync<string>("SELECT status::text FROM shift_signups WHERE user_email = @e", ("e", email)));
        var view = await Json(await _admin.GetAsync($"/api/shifts/{shift}"));
        Assert.Equal((1, 0, "FULL"), (view.GetProperty("currentVolunteers").GetInt32(), view.GetProperty("waitlistCount").GetInt32(),
            view.GetProperty("status").GetString()));
        Assert.Equal(1, await Db.ScalarAsync<int>(
            "SELECT count(*)::int FROM outbox_messages WHERE to_address = @e AND template_key = 'shift-waitlist-promoted'", ("e", email)));
        await Eventually.True(() => Task.FromResult(Cluster.Mail.Messages.Any(m => m.To.Contains(email) && m.Subject == $"A place opened up: {title}")),
            "the promotion email");
    }

    [Fact]
    public async Task Raising_the_capacity_promotes_the_first_in_line_and_watchers_see_the_line_move()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 2, isPublic: true));
        var v = await ShiftFixtures.CreateVolunteersAsync(Cluster, 5);
        foreach (var x in v) await SignUp(shift, x);

        await using var hub = Cluster.Hub(0);
        var updates = new ConcurrentQueue<JsonElement>();
        var promotions = new ConcurrentQueue<JsonElement>();
        var leaves = new ConcurrentQueue<JsonElement>();
        hub.On<JsonElement>("shiftUpdated", e => updates.Enqueue(e));
        hub.On<JsonElement>("waitlistPromoted", e => promotions.Enqueue(e));
        hub.On<JsonElement>("waitlistLeft", e => leaves.Enqueue(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", $"shift:{shift}");

        var raised = await Json(await _admin.PatchAsJsonAsync($"/api/shifts/{shift}", new { maxVolunteers = 4 }));
        Assert.Equal((4, 1, "FULL"), (raised.GetProperty("currentVolunteers").GetInt32(), raised.GetProperty("waitlistCount").GetInt32(),
            raised.GetProperty("status").GetString()));
        var confirmed = await Db.ScalarAsync<string>(
            "SELECT string_agg(user_email, ',' ORDER BY user_email) FROM shift_signups WHERE shift_id = @s AND status = 'CONFIRMED'", ("s", shift));
        Assert.Equal(string.Join(',', v.Take(4).Select(x => x.Email).Order(StringComparer.Ordinal)), confirmed);

        // Anonymous watchers learn how many moved up and the new counts, never who.
        await Eventually.True(() => Task.FromResult(!promotions.IsEmpty), "the promotion event");
        var promoted = Assert.Single(promotions);
        Assert.Equal((2, 4, 1), (promoted.GetProperty("promoted").GetInt32(), promoted.GetProperty("currentVolunteers").GetInt32(),
            promoted.GetProperty("waitlistCount").GetInt32()));
        Assert.Equal(4, promoted.EnumerateObject().Count());
        await Eventually.True(() => Task.FromResult(updates.Any(e => e.GetProperty("waitlistCount").GetInt32() == 1 && e.GetProperty("maxVolunteers").GetInt32() == 4)),
            "the shift's new counts");

        // The last in line leaves: watchers learn which place emptied (those behind it move up) and the new length.
        var last = await Db.ScalarAsync<Guid>("SELECT id FROM shift_signups WHERE user_email = @e", ("e", v[4].Email));
        using (var asLast = Cluster.Http(0, v[4].AccessToken))
            Assert.Equal(HttpStatusCode.NoContent, (await asLast.DeleteAsync($"/api/shifts/{shift}/signups/{last}")).StatusCode);
        await Eventually.True(() => Task.FromResult(!leaves.IsEmpty), "the leave event");
        var left = Assert.Single(leaves);
        Assert.Equal((shift, 1, 0), (left.GetProperty("shiftId").GetGuid(), left.GetProperty("position").GetInt32(), left.GetProperty("waitlistCount").GetInt32()));
        Assert.Single(promotions);
    }

    [Fact]
    public async Task Cancelling_a_shift_emails_those_in_line_as_well_as_the_confirmed()
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 2, title: "Cancelled with a line"));
        var v = await ShiftFixtures.CreateVolunteersAsync(Cluster, 4);
        foreach (var x in v) await SignUp(shift, x);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/shifts/{shift}/cancel", null)).StatusCode);

        // Queued in the cancellation's own transaction: the outbox holds all there will ever be.
        var told = await Db.ScalarAsync<string>("""
            SELECT string_agg(to_address, ',' ORDER BY to_address) FROM outbox_messages WHERE to_address = ANY(@emails) AND template_key = 'shift-cancelled'
            """, ("emails", v.Select(x => x.Email).ToArray()));
        Assert.Equal(string.Join(',', v.Select(x => x.Email).Order(StringComparer.Ordinal)), told);
        // Nobody in line is promoted into a cancelled shift, even when a confirmed signup is cancelled afterwards.
        var confirmed = await Db.ScalarAsync<Guid>("SELECT id FROM shift_signups WHERE user_email = @e", ("e", v[0].Email));
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/shifts/{shift}/signups/{confirmed}")).StatusCode);
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @s AND status = 'WAITLISTED'", ("s", shift)));
        Assert.Equal(0, await Db.ScalarAsync<int>(
            "SELECT count(*)::int FROM outbox_messages WHERE to_address = ANY(@emails) AND template_key = 'shift-waitlist-promoted'",
            ("emails", v.Select(x => x.Email).ToArray())));
    }

    [Theory]
    [InlineData("shift-waitlisted")]
    [InlineData("shift-waitlist-promoted")]
    public async Task The_waitlist_emails_are_valid_system_templates(string key)
    {
        var id = await Db.ScalarAsync<Guid>("SELECT id FROM email_templates WHERE key = @key AND is_system", ("key", key));
        using var templatesAdmin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster, UserRole.SuperAdmin));
        var result = await Json(await templatesAdmin.PostAsync($"/api/email-templates/{id}/validate", null));
        Assert.True(result.GetProperty("valid").GetBoolean(), result.ToString());
    }

    [Theory]
    [InlineData("status=LINE", "status")]
    [InlineData("status=waitlist", "status")]
    [InlineData("pageSize=0", "pageSize")]
    public async Task A_bad_filter_of_the_line_is_400_naming_it(string query, string field)
    {
        var shift = IdOf(await ShiftFixtures.CreateShiftAsync(_admin, maxVolunteers: 1));
        await Problem.Expect(await _admin.GetAsync($"/api/shifts/{shift}/signups?{query}"), HttpStatusCode.BadRequest, field);
    }

    [GeneratedRegex(@"password: (\S+)")]
    private static partial Regex PasswordInMail();
}
