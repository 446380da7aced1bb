using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static ChangemakerLite.TestSupport.CanvassClient;

namespace ChangemakerLite.WebFrontend.Tests.Canvassing;

/// <summary>
/// Knock conflicts and safety alerts through the API and the live hub (docs/canvassing.md "Knock conflicts", "Safety
/// alerts"). Each test works in a cut of its own, with its own canvassers, shifts and leads.
/// </summary>
public sealed class CanvassAlertTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["SAFETY_SWEEP_SECONDS"] = "0.5",
    };

    private int _cuts;

    /// <summary>A 0.01° square cut of 4 doors, north of every other test's; returns its corner and doors.</summary>
    private async Task<(Guid Cut, double MinLat, double MinLng, List<Guid> Doors)> OwnCutAsync()
    {
        var minLat = 40 + 0.1 * Interlocked.Increment(ref _cuts);
        const double minLng = -100;
        var cut = await CanvassTestData.InsertCutAsync(Db, minLat, minLng, minLat + 0.01, minLng + 0.01, name: $"Alert cut {minLat}");
        var doors = new List<Guid>();
        for (var i = 0; i < 4; i++)
            doors.Add(await CanvassTestData.InsertDoorAsync(Db, minLat + 0.002 + i * 0.002, minLng + 0.005, $"{i + 1} Alert St"));
        return (cut, minLat, minLng, doors);
    }

    private async Task<(TestUser User, CanvassClient Client, string Token)> SignInAsync(UserRole role = UserRole.User)
    {
        var user = await TestUsers.CreateAsync(Db, role);
        var token = TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, role);
        return (user, new CanvassClient(Cluster.Http(0, token)), token);
    }

    /// <summary>A shift on the cut, on <paramref name="date"/> from 09:00 to <paramref name="end"/> (UTC, the default shift time zone).</summary>
    private async Task<Guid> InsertShiftAsync(Guid cut, DateOnly date, string end = "17:00")
    {
        var id = Ids.New();
        await Db.ExecuteAsync("""
            INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers, is_public, cut_id)
            VALUES (@id, 'Canvass', @date, '00:00', @end, 10, true, @cut)
            """, ("id", id), ("date", date), ("end", end), ("cut", cut));
        return id;
    }

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private async Task<Guid> StartOnShiftAsync(CanvassClient canvasser, Guid cut, Guid shift, double lat, double lng)
    {
        var response = await canvasser.StartAsync(cut, lat, lng, shift);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await JsonAsync(response)).GetProperty("id").GetGuid();
    }

    private Task<long> AlertsAsync(Guid session, string kind) =>
        Db.ScalarAsync<long>("SELECT count(*) FROM safety_alerts WHERE session_id = @s AND kind = @k::safety_alert_kind", ("s", session), ("k", kind));

    /// <summary>A hub subscribed to <paramref name="topic"/>, collecting the named events.</summary>
    private async Task<(HubConnection Hub, ConcurrentQueue<JsonElement> Events)> WatchAsync(string token, string topic, params string[] events)
    {
        var hub = Cluster.Hub(0, token);
        var seen = new ConcurrentQueue<JsonElement>();
        foreach (var name in events) hub.On<JsonElement>(name, e => seen.Enqueue(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", topic);
        return (hub, seen);
    }

    private static bool Has(ConcurrentQueue<JsonElement> events, Guid sessionId, string kind) =>
        events.Any(e => e.GetProperty("sessionId").GetGuid() == sessionId && e.GetProperty("kind").GetString() == kind);

    private async Task<(Guid Shift, TestUser Lead, string LeadToken, string AdminToken, HttpClient Admin)> ShiftWithLeadAsync(Guid cut, DateOnly date,
        string end = "23:59")
    {
        var shift = await InsertShiftAsync(cut, date, end);
        var (lead, _, leadToken) = await SignInAsync();
        var (_, admin, adminToken) = await SignInAsync(UserRole.MapAdmin);
        var set = await admin.Http.PutAsJsonAsync($"/api/shifts/{shift}/lead", new { userId = lead.Id });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(lead.Id, (await JsonAsync(set)).GetProperty("leadUserId").GetGuid());
        return (shift, lead, leadToken, adminToken, admin.Http);
    }

    [Fact]
    public async Task Two_canvassers_at_one_door_make_one_conflict_that_an_admin_reviews_once()
    {
        var (cut, _, _, doors) = await OwnCutAsync();
        var (first, firstClient, _) = await SignInAsync();
        var (second, secondClient, _) = await SignInAsync();
        var (_, admin, adminToken) = await SignInAsync(UserRole.MapAdmin);
        var (hub, raised) = await WatchAsync(adminToken, LiveTopics.CanvassAlerts, "conflictRaised");
        await using var _hub = hub;

        var firstSession = await firstClient.StartSessionAsync(cut);
        var secondSession = await secondClient.StartSessionAsync(cut);
        Assert.Equal(HttpStatusCode.Created, (await firstClient.VisitAsync(firstSession, new { clientVisitId = Guid.NewGuid(), addressId = doors[0], outcome = "NOT_HOME" })).StatusCode);
        // The same canvasser again at their own door is no conflict.
        Assert.Equal(HttpStatusCode.Created, (await firstClient.VisitAsync(firstSession, new { clientVisitId = Guid.NewGuid(), addressId = doors[0], outcome = "NOT_HOME" })).StatusCode);
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM canvass_conflicts WHERE address_id = @a", ("a", doors[0])));
        var secondVisit = await JsonAsync(await secondClient.VisitAsync(secondSession,
            new { clientVisitId = Guid.NewGuid(), addressId = doors[0], outcome = "SPOKE_WITH" }));

        Assert.Equal(1L, await Db.ScalarAsync<long>(
            "SELECT count(*) FROM canvass_conflicts WHERE address_id = @a AND first_user_id = @f AND second_user_id = @s AND second_visit_id = @v",
            ("a", doors[0]), ("f", first.Id), ("s", second.Id), ("v", secondVisit.GetProperty("id").GetGuid())));
        await Eventually.True(() => Task.FromResult(raised.Any(e => e.GetProperty("addressId").GetGuid() == doors[0])), "the admin hears of the conflict");

        // The walk list shows who knocked last.
        var list = await JsonAsync(await firstClient.Http.GetAsync($"/api/canvass/cuts/{cut}/walk-list"));
        var door = list.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("addressId").GetGuid() == doors[0]);
        Assert.Equal(second.Id, door.GetProperty("lastVisit").GetProperty("canvasserId").GetGuid());
        Assert.Equal("Test User", door.GetProperty("lastVisit").GetProperty("canvasserName").GetString());

        var queue = await JsonAsync(await admin.Http.GetAsync($"/api/canvass/conflicts?cutId={cut}"));
        Assert.Equal(1, queue.GetProperty("total").GetInt32());
        var conflict = queue.GetProperty("items")[0];
        Assert.Equal(first.Id, conflict.GetProperty("firstUserId").GetGuid());
        Assert.Equal(second.Id, conflict.GetProperty("secondUserId").GetGuid());
        Assert.True(conflict.GetProperty("gapSeconds").GetInt32() >= 0);
        var id = conflict.GetProperty("id").GetGuid();

        var review = await admin.Http.PostAsJsonAsync($"/api/canvass/conflicts/{id}/review", new { note = "Second canvasser had the wrong list." });
        Assert.Equal(HttpStatusCode.OK, review.StatusCode);
        Assert.Equal("Second canvasser had the wrong list.", (await JsonAsync(review)).GetProperty("reviewNote").GetString());
        await Problem.Expect(await admin.Http.PostAsJsonAsync($"/api/canvass/conflicts/{id}/review", new { note = "again" }), HttpStatusCode.Conflict);
        Assert.Equal(0, (await JsonAsync(await admin.Http.GetAsync($"/api/canvass/conflicts?cutId={cut}"))).GetProperty("total").GetInt32());
        Assert.Equal(1, (await JsonAsync(await admin.Http.GetAsync($"/api/canvass/conflicts?cutId={cut}&status=reviewed"))).GetProperty("total").GetInt32());
        Assert.Equal("Second canvasser had the wrong list.", await Db.ScalarAsync<string>("SELECT review_note FROM canvass_conflicts WHERE id = @id", ("id", id)));

        await Problem.Expect(await admin.Http.PostAsJsonAsync($"/api/canvass/conflicts/{Guid.NewGuid()}/review", new { note = "x" }), HttpStatusCode.NotFound);
        await Problem.Expect(await admin.Http.GetAsync("/api/canvass/conflicts?status=closed"), HttpStatusCode.BadRequest, "status");
        await Problem.Expect(await admin.Http.GetAsync("/api/canvass/conflicts?cutId=nope"), HttpStatusCode.BadRequest, "cutId");
        await Problem.Expect(await admin.Http.PostAsJsonAsync($"/api/canvass/conflicts/{id}/review", new { note = new string('n', 2001) }),
            HttpStatusCode.BadRequest, "note");
        await Problem.Expect(await firstClient.Http.GetAsync("/api/canvass/conflicts"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_canvasser_standing_still_raises_one_stationary_alert_heard_by_the_admin_and_the_lead()
    {
        var (cut, minLat, minLng, _) = await OwnCutAsync();
        var (shift, lead, leadToken, adminToken, admin) = await ShiftWithLeadAsync(cut, Today.AddDays(1));
        var (adminHub, adminEvents) = await WatchAsync(adminToken, LiveTopics.CanvassAlerts, "safetyAlertRaised");
        var (leadHub, leadEvents) = await WatchAsync(leadToken, LiveTopics.ShiftAlerts(shift), "safetyAlertRaised");
        await using var _a = adminHub;
        await using var _l = leadHub;
        var (_, canvasser, _) = await SignInAsync();
        double lat = minLat + 0.005, lng = minLng + 0.005;
        var session = await StartOnShiftAsync(canvasser, cut, shift, lat, lng);

        var now = DateTimeOffset.UtcNow;
        // Twenty minutes within a few metres of one spot, fixes every minute up to now.
        var points = Enumerable.Range(0, 21).Select(i => Point(i, lat + (i % 2) * 0.00003, lng, now.AddMinutes(-20 + i))).ToList();
        Assert.Equal(HttpStatusCode.OK, (await canvasser.PointsAsync(session, points)).StatusCode);
        Assert.Equal(1L, await AlertsAsync(session, "STATIONARY"));
        Assert.Equal(HttpStatusCode.OK, (await canvasser.PointsAsync(session, [Point(100, lat, lng, DateTimeOffset.UtcNow)])).StatusCode);

        await Eventually.True(() => Task.FromResult(Has(adminEvents, session, "STATIONARY") && Has(leadEvents, session, "STATIONARY")),
            "the admin and the lead hear of the stationary canvasser");
        Assert.Equal(1L, await AlertsAsync(session, "STATIONARY"));
        Assert.Equal(0L, await AlertsAsync(session, "OUTSIDE_CUT"));
        var alert = await Db.ScalarAsync<DateTime>("SELECT condition_at FROM safety_alerts WHERE session_id = @s", ("s", session));
        Assert.InRange(new DateTimeOffset(alert, TimeSpan.Zero), now.AddMinutes(-5.1), now.AddMinutes(-4.9));

        // The lead lists it among their shift's alerts; the admin too.
        var leadList = await JsonAsync(await new CanvassClient(Cluster.Http(0, leadToken)).Http.GetAsync("/api/canvass/alerts"));
        Assert.Equal(1, leadList.GetProperty("total").GetInt32());
        Assert.Equal(lead.Id, (await Db.ScalarAsync<Guid>("SELECT lead_user_id FROM shifts WHERE id = @id", ("id", shift))));
        var adminList = await JsonAsync(await admin.GetAsync($"/api/canvass/alerts?sessionId={session}&kind=STATIONARY"));
        Assert.Equal(1, adminList.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_canvasser_whose_fixes_stopped_is_raised_by_the_sweep_once()
    {
        var (cut, minLat, minLng, _) = await OwnCutAsync();
        var (_, canvasser, _) = await SignInAsync();
        var session = await canvasser.StartSessionAsync(cut, minLat + 0.005, minLng + 0.005);
        Assert.Equal(HttpStatusCode.OK,
            (await canvasser.PointsAsync(session, [Point(1, minLat + 0.005, minLng + 0.005, DateTimeOffset.UtcNow.AddMinutes(-16))])).StatusCode);
        await Eventually.True(async () => await AlertsAsync(session, "STATIONARY") == 1, "the sweep raises the stationary alert");
        // Several more sweeps find it raised already.
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Cluster.ClientOf(0)
            .GetGrain<ChangemakerLite.Grains.Interfaces.Canvassing.ISafetySweepGrain>(0).SweepNow()));
        Assert.Equal(1L, await AlertsAsync(session, "STATIONARY"));
    }

    [Fact]
    public async Task A_canvasser_far_outside_the_cut_raises_one_alert_and_a_lead_acknowledges_it_once()
    {
        var (cut, minLat, minLng, _) = await OwnCutAsync();
        var (shift, lead, leadToken, adminToken, admin) = await ShiftWithLeadAsync(cut, Today.AddDays(1));
        var (adminHub, adminEvents) = await WatchAsync(adminToken, LiveTopics.CanvassAlerts, "safetyAlertRaised", "safetyAlertAcknowledged");
        var (leadHub, leadEvents) = await WatchAsync(leadToken, LiveTopics.ShiftAlerts(shift), "safetyAlertRaised");
        await using var _a = adminHub;
        await using var _l = leadHub;
        var (_, canvasser, _) = await SignInAsync();
        var session = await StartOnShiftAsync(canvasser, cut, shift, minLat + 0.005, minLng + 0.005);
        var now = DateTimeOffset.UtcNow;

        // 100 m beyond the cut's north edge is within the allowance; 550 m is not.
        Assert.Equal(HttpStatusCode.OK, (await canvasser.PointsAsync(session, [Point(1, minLat + 0.011, minLng + 0.005, now.AddSeconds(-30))])).StatusCode);
        Assert.Equal(0L, await AlertsAsync(session, "OUTSIDE_CUT"));
        Assert.Equal(HttpStatusCode.OK, (await canvasser.PointsAsync(session,
            [Point(2, minLat + 0.015, minLng + 0.005, now.AddSeconds(-20)), Point(3, minLat + 0.016, minLng + 0.005, now.AddSeconds(-10))])).StatusCode);
        Assert.Equal(1L, await AlertsAsync(session, "OUTSIDE_CUT"));
        await Eventually.True(() => Task.FromResult(Has(adminEvents, session, "OUTSIDE_CUT") && Has(leadEvents, session, "OUTSIDE_CUT")),
            "the admin and the lead hear of the canvasser outside the cut");
        var alertId = await Db.ScalarAsync<Guid>("SELECT id FROM safety_alerts WHERE session_id = @s AND kind = 'OUTSIDE_CUT'", ("s", session));
        var measure = await Db.ScalarAsync<double>("SELECT measure FROM safety_alerts WHERE id = @id", ("id", alertId));
        Assert.InRange(measure, 500, 600);

        // A stranger (not the lead, not an admin) does not see it; the lead acknowledges; later acknowledgements change nothing.
        var (_, stranger, strangerToken) = await SignInAsync();
        await Problem.Expect(await stranger.Http.PostAsync($"/api/canvass/alerts/{alertId}/acknowledge", null), HttpStatusCode.NotFound);
        Assert.Equal(0, (await JsonAsync(await stranger.Http.GetAsync("/api/canvass/alerts"))).GetProperty("total").GetInt32());
        await using (var strangerHub = Cluster.Hub(0, strangerToken))
        {
            await strangerHub.StartAsync();
            await Assert.ThrowsAsync<HubException>(() => strangerHub.InvokeAsync("Subscribe", LiveTopics.ShiftAlerts(shift)));
            await Assert.ThrowsAsync<HubException>(() => strangerHub.InvokeAsync("Subscribe", LiveTopics.CanvassAlerts));
        }
        var leadClient = Cluster.Http(0, leadToken);
        var acknowledged = await leadClient.PostAsync($"/api/canvass/alerts/{alertId}/acknowledge", null);
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        var first = await JsonAsync(acknowledged);
        Assert.Equal(lead.Id, first.GetProperty("acknowledgedByUserId").GetGuid());
        var again = await JsonAsync(await admin.PostAsync($"/api/canvass/alerts/{alertId}/acknowledge", null));
        Assert.Equal(lead.Id, again.GetProperty("acknowledgedByUserId").GetGuid());
        Assert.Equal(first.GetProperty("acknowledgedAt").GetDateTimeOffset(), again.GetProperty("acknowledgedAt").GetDateTimeOffset());
        await Eventually.True(() => Task.FromResult(adminEvents.Any(e => e.GetProperty("id").GetGuid() == alertId && e.TryGetProperty("acknowledgedByUserId", out var by) &&
            by.ValueKind == JsonValueKind.String)), "the admin hears of the acknowledgement");

        // Kept and acknowledged, also after the session ends.
        Assert.Equal(HttpStatusCode.OK, (await canvasser.EndAsync(session)).StatusCode);
        Assert.Equal(1L, await Db.ScalarAsync<long>(
            "SELECT count(*) FROM safety_alerts WHERE id = @id AND acknowledged_by_user_id = @lead AND acknowledged_at IS NOT NULL", ("id", alertId), ("lead", lead.Id)));
        var listed = await JsonAsync(await admin.GetAsync($"/api/canvass/alerts?sessionId={session}&acknowledged=true"));
        Assert.Equal(1, listed.GetProperty("total").GetInt32());
        Assert.Equal(0, (await JsonAsync(await admin.GetAsync($"/api/canvass/alerts?sessionId={session}&acknowledged=false"))).GetProperty("total").GetInt32());

        await Problem.Expect(await admin.PostAsync($"/api/canvass/alerts/{Guid.NewGuid()}/acknowledge", null), HttpStatusCode.NotFound);
        await Problem.Expect(await admin.GetAsync("/api/canvass/alerts?kind=LOST"), HttpStatusCode.BadRequest, "kind");
        await Problem.Expect(await admin.GetAsync("/api/canvass/alerts?acknowledged=maybe"), HttpStatusCode.BadRequest, "acknowledged");
        await Problem.Expect(await admin.GetAsync("/api/canvass/alerts?shiftId=x"), HttpStatusCode.BadRequest, "shiftId");
    }

    [Fact]
    public async Task A_session_open_past_its_shift_end_raises_one_alert()
    {
        var (cut, minLat, minLng, _) = await OwnCutAsync();
        var (shift, _, leadToken, adminToken, _) = await ShiftWithLeadAsync(cut, Today.AddDays(-1), "18:00");
        var (adminHub, adminEvents) = await WatchAsync(adminToken, LiveTopics.CanvassAlerts, "safetyAlertRaised");
        var (leadHub, leadEvents) = await WatchAsync(leadToken, LiveTopics.ShiftAlerts(shift), "safetyAlertRaised");
        await using var _a = adminHub;
        await using var _l = leadHub;
        var (_, canvasser, _) = await SignInAsync();
        var session = await StartOnShiftAsync(canvasser, cut, shift, minLat + 0.005, minLng + 0.005);

        await Eventually.True(() => Task.FromResult(Has(adminEvents, session, "PAST_SHIFT_END") && Has(leadEvents, session, "PAST_SHIFT_END")),
            "the admin and the lead hear of the session past its shift's end");
        Assert.Equal(1L, await AlertsAsync(session, "PAST_SHIFT_END"));
        var conditionAt = await Db.ScalarAsync<DateTime>("SELECT condition_at FROM safety_alerts WHERE session_id = @s", ("s", session));
        Assert.Equal(Today.AddDays(-1).ToDateTime(new TimeOnly(18, 0)), conditionAt);
        await Cluster.ClientOf(0).GetGrain<ChangemakerLite.Grains.Interfaces.Canvassing.ISafetySweepGrain>(0).SweepNow();
        Assert.Equal(1L, await AlertsAsync(session, "PAST_SHIFT_END"));
    }

    [Fact]
    public async Task A_canvasser_moving_inside_the_cut_raises_none()
    {
        var (cut, minLat, minLng, _) = await OwnCutAsync();
        var (_, canvasser, _) = await SignInAsync();
        var session = await StartOnShiftAsync(canvasser, cut, await InsertShiftAsync(cut, Today.AddDays(1)), minLat + 0.002, minLng + 0.005);
        var now = DateTimeOffset.UtcNow;
        // Twenty minutes walking up and down the cut, 100 m a minute, fixes every minute up to now.
        var points = Enumerable.Range(0, 21).Select(i => Point(i, minLat + 0.001 + 0.0009 * (i % 10), minLng + 0.005, now.AddMinutes(-20 + i))).ToList();
        Assert.Equal(HttpStatusCode.OK, (await canvasser.PointsAsync(session, points)).StatusCode);

        // A canvasser gone quiet, started after the walk: once the sweep has raised theirs, it has looked at the walker too.
        var (_, quiet, _) = await SignInAsync();
        var quietSession = await quiet.StartSessionAsync(cut, minLat + 0.005, minLng + 0.005);
        Assert.Equal(HttpStatusCode.OK, (await quiet.PointsAsync(quietSession, [Point(1, minLat + 0.005, minLng + 0.005, now.AddMinutes(-30))])).StatusCode);
        await Eventually.True(async () => await AlertsAsync(quietSession, "STATIONARY") == 1, "the sweep runs");

        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM safety_alerts WHERE session_id = @s", ("s", session)));
    }

    [Fact]
    public async Task The_lead_route_sets_and_clears_a_lead_and_names_bad_fields()
    {
        var (cut, _, _, _) = await OwnCutAsync();
        var shift = await InsertShiftAsync(cut, Today.AddDays(2));
        var (lead, _, _) = await SignInAsync();
        var (_, admin, _) = await SignInAsync(UserRole.MapAdmin);

        var set = await admin.Http.PutAsJsonAsync($"/api/shifts/{shift}/lead", new { userId = lead.Id });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(lead.Id, await Db.ScalarAsync<Guid>("SELECT lead_user_id FROM shifts WHERE id = @id", ("id", shift)));
        var cleared = await admin.Http.PutAsJsonAsync($"/api/shifts/{shift}/lead", new { userId = (Guid?)null });
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await JsonAsync(cleared)).GetProperty("leadUserId").ValueKind);
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM shifts WHERE id = @id AND lead_user_id IS NOT NULL", ("id", shift)));

        await Problem.Expect(await admin.Http.PutAsJsonAsync($"/api/shifts/{shift}/lead", new { }), HttpStatusCode.BadRequest, "userId");
        await Problem.Expect(await admin.Http.PutAsJsonAsync($"/api/shifts/{shift}/lead", new { userId = "someone" }), HttpStatusCode.BadRequest, "userId");
        await Problem.Expect(await admin.Http.PutAsJsonAsync($"/api/shifts/{shift}/lead", new { userId = Guid.NewGuid() }), HttpStatusCode.BadRequest, "userId");
        await Problem.Expect(await admin.Http.PutAsJsonAsync($"/api/shifts/{Guid.NewGuid()}/lead", new { userId = lead.Id }), HttpStatusCode.NotFound);
    }
}
