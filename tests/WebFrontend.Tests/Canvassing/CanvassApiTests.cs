using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using static ChangemakerLite.TestSupport.CanvassClient;

namespace ChangemakerLite.WebFrontend.Tests.Canvassing;

public sealed class CanvassApiTests(CanvassApiFixture fx) : IClassFixture<CanvassApiFixture>
{
    private object Visit(Guid clientVisitId, Guid? address = null, string outcome = "NOT_HOME", string? supportLevel = null, bool? sign = null) =>
        new { clientVisitId, addressId = address ?? fx.Doors[0], outcome, supportLevel, signRequested = sign };

    [Fact]
    public async Task Starting_twice_is_a_409_naming_the_active_session()
    {
        var (user, canvasser) = await fx.SignInAsync();
        var first = await canvasser.StartAsync(fx.CutId, 53.505, -113.505);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var session = await JsonAsync(first);
        Assert.Equal("ACTIVE", session.GetProperty("status").GetString());
        Assert.Equal(user.Id, session.GetProperty("userId").GetGuid());
        Assert.Equal(first.Headers.Location!.ToString(), $"/api/canvass/sessions/{session.GetProperty("id").GetGuid()}");

        var second = await canvasser.StartAsync(fx.CutId);
        await Problem.Expect(second, HttpStatusCode.Conflict);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType!.MediaType);
        var problem = await JsonAsync(second);
        Assert.Equal(session.GetProperty("id").GetString(), problem.GetProperty("activeSessionId").GetString());
        Assert.Equal(1L, await fx.CountAsync("canvass_sessions", "user_id = @u", ("u", user.Id)));
    }

    [Fact]
    public async Task A_visit_is_201_and_its_replay_200_with_the_same_visit()
    {
        var (_, canvasser) = await fx.SignInAsync();
        var sessionId = await canvasser.StartSessionAsync(fx.CutId);
        var clientVisitId = Guid.NewGuid();

        var first = await canvasser.VisitAsync(sessionId, Visit(clientVisitId));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var visit = await JsonAsync(first);
        var replay = await canvasser.VisitAsync(sessionId, Visit(clientVisitId, outcome: "REFUSED"));
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var again = await JsonAsync(replay);
        Assert.Equal(visit.GetProperty("id").GetGuid(), again.GetProperty("id").GetGuid());
        Assert.Equal("NOT_HOME", again.GetProperty("outcome").GetString());
        Assert.Equal(1L, await fx.CountAsync("canvass_visits", "session_id = @s", ("s", sessionId)));
        Assert.Equal(1L, await fx.CountAsync("track_points p JOIN tracking_sessions t ON t.id = p.tracking_session_id",
            "t.canvass_session_id = @s AND p.event_type = 'VISIT_RECORDED'", ("s", sessionId)));
    }

    [Fact]
    public async Task Twenty_concurrent_retries_of_one_visit_write_one_row()
    {
        var (_, canvasser) = await fx.SignInAsync();
        var sessionId = await canvasser.StartSessionAsync(fx.CutId);
        var clientVisitId = Guid.NewGuid();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => canvasser.VisitAsync(sessionId, Visit(clientVisitId, fx.Doors[1]))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        var ids = await Task.WhenAll(responses.Select(async r => (await JsonAsync(r)).GetProperty("id").GetGuid()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1L, await fx.CountAsync("canvass_visits", "session_id = @s AND client_visit_id = @c", ("s", sessionId), ("c", clientVisitId)));
        Assert.Equal(ids[0], await fx.Db.ScalarAsync<Guid>("SELECT id FROM canvass_visits WHERE client_visit_id = @c", ("c", clientVisitId)));
    }

    [Fact]
    public async Task A_visit_updates_the_address_the_cut_and_the_trail()
    {
        var (_, canvasser) = await fx.SignInAsync();
        var (cut, doors, _) = await fx.OwnCutAsync();
        var sessionId = await canvasser.StartSessionAsync(cut);
        var door = doors[4];

        var response = await canvasser.VisitAsync(sessionId, new
        {
            clientVisitId = Guid.NewGuid(), addressId = door, outcome = "SPOKE_WITH", supportLevel = "LEVEL_2", signRequested = true,
            signSize = "large", notes = "Wants a lawn sign", durationSeconds = 95,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var visit = await JsonAsync(response);
        Assert.Equal("LEVEL_2", visit.GetProperty("supportLevel").GetString());
        Assert.Equal(95, visit.GetProperty("durationSeconds").GetInt32());

        Assert.Equal("LEVEL_2", await fx.Db.ScalarAsync<string>("SELECT support_level::text FROM addresses WHERE id = @a", ("a", door)));
        Assert.True(await fx.Db.ScalarAsync<bool>("SELECT sign FROM addresses WHERE id = @a", ("a", door)));
        Assert.Equal("large", await fx.Db.ScalarAsync<string>("SELECT sign_size FROM addresses WHERE id = @a", ("a", door)));
        // The cut's progress: one door of nine is visited, and last canvassed is set.
        await Eventually.True(async () =>
            await fx.Db.ScalarAsync<int>("SELECT completion_percentage FROM cuts WHERE id = @c", ("c", cut)) == 11 &&
            await fx.Db.ScalarAsync<DateTime?>("SELECT last_canvassed FROM cuts WHERE id = @c", ("c", cut)) is not null,
            "the cut's completion and last canvassed time");
    }

    [Fact]
    public async Task The_cut_fences_visits_in_unless_an_admin_says_otherwise()
    {
        var (_, canvasser) = await fx.SignInAsync();
        var sessionId = await canvasser.StartSessionAsync(fx.CutId);
        await Problem.Expect(await canvasser.VisitAsync(sessionId, Visit(Guid.NewGuid(), fx.DoorOutside)), HttpStatusCode.BadRequest, "addressId");
        var forced = await canvasser.VisitAsync(sessionId, new { clientVisitId = Guid.NewGuid(), addressId = fx.DoorOutside, outcome = "NOT_HOME", allowOutsideCut = true });
        await Problem.Expect(forced, HttpStatusCode.Forbidden);
        Assert.Equal(0L, await fx.CountAsync("canvass_visits", "session_id = @s", ("s", sessionId)));

        var (_, admin) = await fx.SignInAsync(UserRole.MapAdmin);
        var adminSession = await admin.StartSessionAsync(fx.CutId);
        var allowed = await admin.VisitAsync(adminSession, new { clientVisitId = Guid.NewGuid(), addressId = fx.DoorOutside, outcome = "NOT_HOME", allowOutsideCut = true });
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }

    [Fact]
    public async Task Points_are_deduplicated_by_seq_and_distance_ignores_an_impossible_jump()
    {
        var (_, canvasser) = await fx.SignInAsync();
        var sessionId = await canvasser.StartSessionAsync(fx.CutId);
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-30);
        // Twenty fixes north along a meridian, 0.0005° (≈ 55.6 m) every 20 s, with a 2 km jump at seq 10.
        var points = Enumerable.Range(0, 20)
            .Select(i => Point(i, i == 10 ? 53.52 : 53.5 + i * 0.0005, -113.505, t0.AddSeconds(i * 20)))
            .ToList();

        var first = await canvasser.PointsAsync(sessionId, points.Take(12));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var firstBody = await JsonAsync(first);
        Assert.Equal((12, 0), (firstBody.GetProperty("accepted").GetInt32(), firstBody.GetProperty("duplicates").GetInt32()));

        var replay = await JsonAsync(await canvasser.PointsAsync(sessionId, points.Take(12)));
        Assert.Equal((0, 12), (replay.GetProperty("accepted").GetInt32(), replay.GetProperty("duplicates").GetInt32()));
        var overlap = await JsonAsync(await canvasser.PointsAsync(sessionId, points.Skip(8)));
        Assert.Equal((8, 4), (overlap.GetProperty("accepted").GetInt32(), overlap.GetProperty("duplicates").GetInt32()));

        var trail = await fx.Db.ScalarAsync<Guid>("SELECT id FROM tracking_sessions WHERE canvass_session_id = @s", ("s", sessionId));
        Assert.Equal(20L, await fx.CountAsync("track_points", "tracking_session_id = @t AND seq IS NOT NULL", ("t", trail)));
        Assert.Equal(20L, await fx.Db.ScalarAsync<long>("SELECT count(DISTINCT seq) FROM track_points WHERE tracking_session_id = @t", ("t", trail)));
        Assert.Equal(20, await fx.Db.ScalarAsync<int>("SELECT total_points FROM tracking_sessions WHERE id = @t", ("t", trail)));
        var expected = 2 * 6_371_008.8 * Math.Asin(Math.Sin(19 * 0.0005 * Math.PI / 180 / 2));
        var distance = await fx.Db.ScalarAsync<double>("SELECT total_distance_m FROM tracking_sessions WHERE id = @t", ("t", trail));
        Assert.Equal(expected, distance, 3);
        Assert.Equal(53.5095, await fx.Db.ScalarAsync<double>("SELECT last_latitude::float8 FROM tracking_sessions WHERE id = @t", ("t", trail)), 8);

        var details = await JsonAsync(await canvasser.Http.GetAsync($"/api/canvass/sessions/{sessionId}"));
        Assert.Equal(expected, details.GetProperty("totalDistanceM").GetDouble(), 3);
        Assert.Equal(20, details.GetProperty("totalPoints").GetInt32());
    }

    [Fact]
    public async Task Concurrent_point_posts_of_one_session_are_each_answered_once_durable()
    {
        var (_, canvasser) = await fx.SignInAsync();
        var sessionId = await canvasser.StartSessionAsync(fx.CutId);
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10);
        // Ten phones' worth of overlapping retries: batches of 50 seqs, each overlapping the next by 25.
        var batches = Enumerable.Range(0, 10)
            .Select(b => Enumerable.Range(b * 25, 50).Select(i => Point(i, 53.5 + i * 0.00001, -113.505, t0.AddSeconds(i))).ToList())
            .ToList();

        var answers = await Task.WhenAll(batches.Select(async batch =>
        {
            var response = await canvasser.PointsAsync(sessionId, batch);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await JsonAsync(response);
        }));

        var distinct = 9 * 25 + 50;
        Assert.Equal(distinct, answers.Sum(a => a.GetProperty("accepted").GetInt32()));
        Assert.Equal(10 * 50 - distinct, answers.Sum(a => a.GetProperty("duplicates").GetInt32()));
        var trail = await fx.Db.ScalarAsync<Guid>("SELECT id FROM tracking_sessions WHERE canvass_session_id = @s", ("s", sessionId));
        Assert.Equal(distinct, await fx.CountAsync("track_points", "tracking_session_id = @t AND seq IS NOT NULL", ("t", trail)));
        Assert.Equal(distinct, await fx.Db.ScalarAsync<int>("SELECT total_points FROM tracking_sessions WHERE id = @t", ("t", trail)));
    }

    [Fact]
    public async Task The_canvasser_reads_the_session_and_its_trail_and_an_admin_lists_and_counts()
    {
        var (user, canvasser) = await fx.SignInAsync();
        await Problem.Expect(await canvasser.Http.GetAsync("/api/canvass/sessions/active"), HttpStatusCode.NotFound);
        var (cut, doors, north) = await fx.OwnCutAsync();
        var sessionId = await canvasser.StartSessionAsync(cut, 53.501 + north, -113.509);
        foreach (var visit in new[] { Visit(Guid.NewGuid(), doors[2], "REFUSED"), Visit(Guid.NewGuid(), doors[3], "SPOKE_WITH", "LEVEL_1"),
                     Visit(Guid.NewGuid(), doors[5], "SPOKE_WITH", "LEVEL_4") })
            Assert.Equal(HttpStatusCode.Created, (await canvasser.VisitAsync(sessionId, visit)).StatusCode);
        var startedAt = (await JsonAsync(await canvasser.Http.GetAsync($"/api/canvass/sessions/{sessionId}"))).GetProperty("session").GetProperty("startedAt").GetDateTimeOffset();
        await canvasser.PointsAsync(sessionId, [Point(1, 53.501 + north, -113.509, startedAt.AddMilliseconds(10)), Point(2, 53.5012 + north, -113.509, startedAt.AddMilliseconds(20)),
            new { seq = 3, latitude = 53.5013 + north, longitude = -113.509, recordedAt = startedAt.AddMilliseconds(30), eventType = "LOCATION_ADDED" }]);

        var active = await JsonAsync(await canvasser.Http.GetAsync("/api/canvass/sessions/active"));
        Assert.Equal(sessionId, active.GetProperty("session").GetProperty("id").GetGuid());
        var details = await JsonAsync(await canvasser.Http.GetAsync($"/api/canvass/sessions/{sessionId}"));
        Assert.Equal(3, details.GetProperty("totalVisits").GetInt32());
        Assert.Equal(2, details.GetProperty("visitsByOutcome").GetProperty("SPOKE_WITH").GetInt32());
        Assert.Equal(1, details.GetProperty("visitsByOutcome").GetProperty("REFUSED").GetInt32());
        Assert.Equal(0, details.GetProperty("visitsByOutcome").GetProperty("NOT_HOME").GetInt32());
        Assert.True(details.GetProperty("durationSeconds").GetInt64() >= 0);

        var track = await JsonAsync(await canvasser.Http.GetAsync($"/api/canvass/sessions/{sessionId}/track"));
        var events = track.GetProperty("points").EnumerateArray()
            .Select(p => p.GetProperty("eventType").ValueKind == JsonValueKind.Null ? "FIX" : p.GetProperty("eventType").GetString()).ToList();
        Assert.Equal("SESSION_STARTED", events[0]);
        Assert.Equal(3, events.Count(e => e == "VISIT_RECORDED"));
        Assert.Equal(2, events.Count(e => e == "FIX"));
        Assert.Equal(1, events.Count(e => e == "LOCATION_ADDED"));

        var ended = await canvasser.EndAsync(sessionId);
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal("COMPLETED", (await JsonAsync(ended)).GetProperty("status").GetString());
        await Problem.Expect(await canvasser.EndAsync(sessionId), HttpStatusCode.Conflict);
        track = await JsonAsync(await canvasser.Http.GetAsync($"/api/canvass/sessions/{sessionId}/track"));
        Assert.Equal("SESSION_ENDED", track.GetProperty("points").EnumerateArray().Last().GetProperty("eventType").GetString());
        Assert.False(track.GetProperty("isActive").GetBoolean());

        var (_, admin) = await fx.SignInAsync(UserRole.MapAdmin);
        var list = await JsonAsync(await admin.Http.GetAsync($"/api/canvass/sessions?userId={user.Id}&status=COMPLETED&cutId={cut}"));
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal(sessionId, list.GetProperty("items")[0].GetProperty("id").GetGuid());
        var none = await JsonAsync(await admin.Http.GetAsync($"/api/canvass/sessions?userId={user.Id}&status=ACTIVE"));
        Assert.Equal(0, none.GetProperty("total").GetInt32());

        var stats = await JsonAsync(await admin.Http.GetAsync($"/api/canvass/cuts/{cut}/stats"));
        Assert.Equal(9, stats.GetProperty("doors").GetInt32());
        Assert.Equal(3, stats.GetProperty("visitedDoors").GetInt32());
        Assert.Equal(33, stats.GetProperty("completionPercentage").GetInt32());
        Assert.Equal(2, stats.GetProperty("visitsByOutcome").GetProperty("SPOKE_WITH").GetInt32());
        Assert.Equal(1, stats.GetProperty("visitsByOutcome").GetProperty("REFUSED").GetInt32());
        Assert.Equal(1, stats.GetProperty("supportLevels").GetProperty("LEVEL_4").GetInt32());
        Assert.Equal(1, stats.GetProperty("supportLevels").GetProperty("LEVEL_1").GetInt32());
    }

    [Fact]
    public async Task The_walk_list_orders_the_cut_s_doors_with_their_last_visit()
    {
        var (_, canvasser) = await fx.SignInAsync();
        var sessionId = await canvasser.StartSessionAsync(fx.CutId);
        await canvasser.VisitAsync(sessionId, Visit(Guid.NewGuid(), fx.Doors[8], "COME_BACK_LATER"));

        // From the south-west corner, the nearest door (row 0, column 0) comes first.
        var response = await canvasser.Http.GetAsync($"/api/canvass/cuts/{fx.CutId}/walk-list?fromLat=53.501&fromLng=-113.509");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = await JsonAsync(response);
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(9, items.Count);
        Assert.Equal(fx.Doors[0], items[0].GetProperty("addressId").GetGuid());
        Assert.Equal(fx.Doors.ToHashSet(), items.Select(i => i.GetProperty("addressId").GetGuid()).ToHashSet());
        Assert.Equal(Enumerable.Range(1, 9), items.Select(i => i.GetProperty("order").GetInt32()));
        var visited = items.Single(i => i.GetProperty("addressId").GetGuid() == fx.Doors[8]);
        // A canvasser without the support-levels grant learns that the door was visited and when, not what was said.
        Assert.Equal(JsonValueKind.Null, visited.GetProperty("lastVisit").GetProperty("outcome").ValueKind);
        Assert.True(visited.GetProperty("lastVisit").GetProperty("visitedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-10));
        Assert.True(list.GetProperty("routeDistanceM").GetDouble() > 0);

        // A private cut is not on offer to a canvasser without a shift in it.
        await Problem.Expect(await canvasser.Http.GetAsync($"/api/canvass/cuts/{fx.PrivateCutId}/walk-list"), HttpStatusCode.NotFound);
        await Problem.Expect(await canvasser.StartAsync(fx.PrivateCutId), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_shift_signup_opens_a_private_cut()
    {
        var (user, canvasser) = await fx.SignInAsync();
        var shift = Guid.NewGuid();
        await fx.Db.ExecuteAsync("""
            INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers, cut_id) VALUES (@id, 'Doors', '2030-01-01', '09:00', '12:00', 5, @cut)
            """, ("id", shift), ("cut", fx.PrivateCutId));
        // An admin put them on the (non-public) shift: that lets them into its cut.
        await fx.Db.ExecuteAsync("""
            INSERT INTO shift_signups (id, shift_id, shift_title, user_id, user_email, signup_source) VALUES (@id, @shift, 'Doors', @user, @email, 'ADMIN')
            """, ("id", Guid.NewGuid()), ("shift", shift), ("user", user.Id), ("email", user.Email));

        Assert.Equal(HttpStatusCode.OK, (await canvasser.Http.GetAsync($"/api/canvass/cuts/{fx.PrivateCutId}/walk-list")).StatusCode);
        var started = await canvasser.StartAsync(fx.PrivateCutId, shiftId: shift);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal(shift, (await JsonAsync(started)).GetProperty("shiftId").GetGuid());
    }

    private async Task<(TestUser User, CanvassClient Client)> SignInWith(string permissions)
    {
        var user = await TestUsers.CreateAsync(fx.Db, UserRole.User, permissions: permissions);
        var token = TestTokens.Mint(fx.Cluster.SigningKey, user.Id, user.Email, UserRole.User, permissionsJson: permissions);
        return (user with { AccessToken = token }, new CanvassClient(fx.Cluster.Http(0, token)));
    }

    [Fact]
    public async Task Support_levels_and_last_outcomes_are_on_the_walk_list_only_for_canvassers_granted_them()
    {
        var (cut, doors, _) = await fx.OwnCutAsync();
        await fx.Db.ExecuteAsync("UPDATE addresses SET support_level = 'LEVEL_1' WHERE id = @id", ("id", doors[4]));
        var (_, visitor) = await fx.SignInAsync();
        var session = await visitor.StartSessionAsync(cut);
        Assert.Equal(HttpStatusCode.Created, (await visitor.VisitAsync(session, Visit(Guid.NewGuid(), doors[4], "SPOKE_WITH"))).StatusCode);

        JsonElement DoorOf(JsonElement list, Guid door) =>
            list.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("addressId").GetGuid() == door);

        // Self-registered (no grant): neither the level nor the outcome.
        var (_, plain) = await fx.SignInAsync();
        var hidden = DoorOf(await JsonAsync(await plain.Http.GetAsync($"/api/canvass/cuts/{cut}/walk-list")), doors[4]);
        Assert.Equal(JsonValueKind.Null, hidden.GetProperty("supportLevel").ValueKind);
        Assert.Equal(JsonValueKind.Null, hidden.GetProperty("lastVisit").GetProperty("outcome").ValueKind);

        // Granted by an admin: both.
        var (_, granted) = await SignInWith("""{"supportLevels": true}""");
        var shown = DoorOf(await JsonAsync(await granted.Http.GetAsync($"/api/canvass/cuts/{cut}/walk-list")), doors[4]);
        Assert.Equal("LEVEL_1", shown.GetProperty("supportLevel").GetString());
        Assert.Equal("SPOKE_WITH", shown.GetProperty("lastVisit").GetProperty("outcome").GetString());

        // A canvass admin: both.
        var (_, admin) = await fx.SignInAsync(UserRole.MapAdmin);
        Assert.Equal("LEVEL_1", DoorOf(await JsonAsync(await admin.Http.GetAsync($"/api/canvass/cuts/{cut}/walk-list")), doors[4])
            .GetProperty("supportLevel").GetString());
    }

    [Fact]
    public async Task A_self_signup_to_a_private_shift_without_the_grant_does_not_open_its_cut()
    {
        // As the signup route allowed before shifts that are not public were closed to volunteers without the grant.
        async Task SelfSignUp(TestUser user, Guid shift) => await fx.Db.ExecuteAsync("""
            INSERT INTO shift_signups (id, shift_id, shift_title, user_id, user_email, signup_source) VALUES (@id, @shift, 'Doors', @user, @email, 'AUTHENTICATED')
            """, ("id", Guid.NewGuid()), ("shift", shift), ("user", user.Id), ("email", user.Email));
        var shift = Guid.NewGuid();
        await fx.Db.ExecuteAsync("""
            INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers, cut_id, is_public) VALUES (@id, 'Doors', '2030-01-01', '09:00', '12:00', 5, @cut, false)
            """, ("id", shift), ("cut", fx.PrivateCutId));

        var (user, canvasser) = await fx.SignInAsync();
        await SelfSignUp(user, shift);
        await Problem.Expect(await canvasser.Http.GetAsync($"/api/canvass/cuts/{fx.PrivateCutId}/walk-list"), HttpStatusCode.NotFound);
        await Problem.Expect(await canvasser.StartAsync(fx.PrivateCutId), HttpStatusCode.BadRequest, "cutId");
        Assert.Equal(0L, await fx.CountAsync("canvass_sessions", "user_id = @u", ("u", user.Id)));

        var (holder, granted) = await SignInWith("""{"privateShifts": true}""");
        await SelfSignUp(holder, shift);
        Assert.Equal(HttpStatusCode.OK, (await granted.Http.GetAsync($"/api/canvass/cuts/{fx.PrivateCutId}/walk-list")).StatusCode);
    }

    [Fact]
    public async Task The_walk_list_comes_in_pages_of_one_route()
    {
        var (cut, doors, lat) = await fx.OwnCutAsync();
        var (_, canvasser) = await fx.SignInAsync();
        var from = $"fromLat={53.501 + lat:0.######}&fromLng=-113.509";
        var whole = await JsonAsync(await canvasser.Http.GetAsync($"/api/canvass/cuts/{cut}/walk-list?{from}"));
        var route = whole.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("addressId").GetGuid()).ToList();
        Assert.Equal(doors.ToHashSet(), route.ToHashSet());

        var pages = new List<JsonElement>();
        for (var page = 1; page <= 3; page++)
            pages.Add(await JsonAsync(await canvasser.Http.GetAsync($"/api/canvass/cuts/{cut}/walk-list?{from}&page={page}&pageSize=4")));
        Assert.All(pages, p => Assert.Equal(9, p.GetProperty("doors").GetInt32()));
        Assert.Equal([4, 4, 1], pages.Select(p => p.GetProperty("items").GetArrayLength()));
        Assert.Equal(2, pages[1].GetProperty("page").GetInt32());
        Assert.Equal(4, pages[1].GetProperty("pageSize").GetInt32());
        var paged = pages.SelectMany(p => p.GetProperty("items").EnumerateArray()).ToList();
        Assert.Equal(Enumerable.Range(1, 9), paged.Select(i => i.GetProperty("order").GetInt32()));
        Assert.Equal(route, paged.Select(i => i.GetProperty("addressId").GetGuid()));
        Assert.Equal(whole.GetProperty("routeDistanceM").GetDouble(), pages[2].GetProperty("routeDistanceM").GetDouble());

        await Problem.Expect(await canvasser.Http.GetAsync($"/api/canvass/cuts/{cut}/walk-list?pageSize=501"), HttpStatusCode.BadRequest, "pageSize");
        await Problem.Expect(await canvasser.Http.GetAsync($"/api/canvass/cuts/{cut}/walk-list?page=0"), HttpStatusCode.BadRequest, "page");
    }
}
