using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;
using static ChangemakerLite.TestSupport.CanvassClient;

namespace ChangemakerLite.WebFrontend.Tests.Canvassing;

/// <summary>
/// Door leases over HTTP: canvassers of one cut are sent to different doors, ask again and get their own back, and a
/// visit or the session's end gives doors back to the others. Every test works on a grid cut of its own.
/// </summary>
public sealed class DoorLeaseApiTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["SHIFT_TURF_DOORS"] = "5" };

    private static int _cuts;

    private async Task<(Guid Cut, Guid[] Doors, double Lat, double Lng)> GridAsync(int rows, int columns)
    {
        // Each cut well away from the others, so no cut's box holds another's doors.
        var lat = 50 + Interlocked.Increment(ref _cuts) * 0.2;
        var (cut, doors) = await LeaseTestData.InsertGridCutAsync(Db, lat, -100, rows, columns);
        return (cut, doors, lat, -100);
    }

    private async Task<List<CanvassClient>> CanvassersAsync(int count, UserRole role = UserRole.User) =>
        (await ShiftFixtures.CreateVolunteersAsync(Cluster, count, role)).Select(v => new CanvassClient(Cluster.Http(0, v.AccessToken))).ToList();

    private static Task<HttpResponseMessage> LeaseAsync(CanvassClient canvasser, Guid sessionId, object body) =>
        canvasser.Http.PostAsJsonAsync($"/api/canvass/sessions/{sessionId}/doors/lease", body);

    private static async Task<(List<Guid> Doors, DateTimeOffset Until, JsonElement Body)> LeasedAsync(CanvassClient canvasser, Guid sessionId,
        double? latitude, double? longitude, int? count)
    {
        var response = await LeaseAsync(canvasser, sessionId, new { latitude, longitude, count });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAsync(response);
        var doors = body.GetProperty("doors").EnumerateArray().Select(d => d.GetProperty("addressId").GetGuid()).ToList();
        return (doors, body.GetProperty("leasedUntil").GetDateTimeOffset(), body);
    }

    private async Task<HashSet<Guid>> LeaseRowsAsync(Guid sessionId) =>
        (await Db.ScalarAsync<Guid[]>("SELECT coalesce(array_agg(address_id), '{}') FROM door_leases WHERE session_id = @s", ("s", sessionId)))!.ToHashSet();

    [Fact]
    public async Task Two_hundred_canvassers_asking_at_once_never_share_a_door_and_each_gets_what_it_asked_for_until_the_cut_runs_out()
    {
        var (cut, doors, lat, lng) = await GridAsync(30, 50);
        var canvassers = await CanvassersAsync(200);
        var sessions = await Task.WhenAll(canvassers.Select(c => c.StartSessionAsync(cut)));

        var answers = await Task.WhenAll(canvassers.Select((c, i) => LeasedAsync(c, sessions[i], lat + 0.003, lng + 0.005, 10)));

        // 1,500 doors for 200 requests of 10: each request is decided whole, so 150 get ten and the last 50 none.
        Assert.Equal(150, answers.Count(a => a.Doors.Count == 10));
        Assert.Equal(50, answers.Count(a => a.Doors.Count == 0));
        var answered = answers.SelectMany(a => a.Doors).ToList();
        Assert.Equal(1500, answered.Count);
        Assert.Equal(1500, answered.Distinct().Count());
        Assert.True(answered.ToHashSet().SetEquals(doors));
        Assert.Equal(1500L, await Db.ScalarAsync<long>("SELECT count(*) FROM door_leases WHERE cut_id = @c", ("c", cut)));
        Assert.Equal(1500L, await Db.ScalarAsync<long>("SELECT count(DISTINCT address_id) FROM door_leases WHERE cut_id = @c", ("c", cut)));
        for (var i = 0; i < sessions.Length; i++)
            Assert.True((await LeaseRowsAsync(sessions[i])).SetEquals(answers[i].Doors), $"session {i}'s rows are what it was answered");
    }

    [Fact]
    public async Task Another_canvasser_is_offered_the_next_doors_and_asking_again_renews_ones_own_first()
    {
        var (cut, doors, lat, lng) = await GridAsync(4, 10);
        var (a, b, c) = await CanvassersAsync(3) switch { var all => (all[0], all[1], all[2]) };
        var sessionA = await a.StartSessionAsync(cut);
        var sessionB = await b.StartSessionAsync(cut);
        var sessionC = await c.StartSessionAsync(cut);

        var first = await LeasedAsync(a, sessionA, null, null, 5);
        var second = await LeasedAsync(b, sessionB, null, null, 5);
        Assert.Equal(5, first.Doors.Count);
        Assert.Equal(5, second.Doors.Count);
        Assert.Empty(first.Doors.Intersect(second.Doors));
        // Without a position, the two leases are the first ten doors of the cut's route, in its order.
        var walkList = await JsonAsync(await a.Http.GetAsync($"/api/canvass/cuts/{cut}/walk-list?pageSize=10"));
        var route = walkList.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(first.Doors.Concat(second.Doors), route.Select(i => i.GetProperty("addressId").GetGuid()));
        // The walk list marks the doors leased to the one asking, and only those.
        Assert.Equal(first.Doors, route.Where(i => i.GetProperty("leasedUntil").ValueKind != JsonValueKind.Null).Select(i => i.GetProperty("addressId").GetGuid()));

        var again = await LeasedAsync(a, sessionA, lat, lng, 8);
        Assert.Equal(first.Doors, again.Doors.Take(5));
        Assert.Equal(8, again.Doors.Count);
        Assert.Empty(again.Doors.Intersect(second.Doors));
        Assert.True(again.Until >= first.Until);
        Assert.True((await LeaseRowsAsync(sessionA)).SetEquals(again.Doors));
        // Every row of the session runs out when the answer says (PostgreSQL keeps microseconds).
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(DISTINCT leased_until) FROM door_leases WHERE session_id = @s", ("s", sessionA)));
        var stored = await Db.ScalarAsync<DateTime>("SELECT max(leased_until) FROM door_leases WHERE session_id = @s", ("s", sessionA));
        Assert.True(Math.Abs((new DateTimeOffset(stored, TimeSpan.Zero) - again.Until).TotalMilliseconds) < 1);
        Assert.True((await LeaseRowsAsync(sessionB)).SetEquals(second.Doors));

        // From a position: the free door standing there comes first. The grid's last door is at its north-east corner.
        var standing = await LeasedAsync(c, sessionC, lat + 3 * 0.0002, lng + 9 * 0.0002, 3);
        Assert.Equal(doors[^1], standing.Doors[0]);
        Assert.Empty(standing.Doors.Intersect(again.Doors.Concat(second.Doors)));
    }

    [Fact]
    public async Task A_visit_releases_its_door_which_is_not_offered_again()
    {
        var (cut, _, lat, lng) = await GridAsync(3, 5);
        var (a, b) = await CanvassersAsync(2) switch { var c => (c[0], c[1]) };
        var sessionA = await a.StartSessionAsync(cut);
        var sessionB = await b.StartSessionAsync(cut);
        var leased = await LeasedAsync(a, sessionA, lat, lng, 3);

        var visit = await a.VisitAsync(sessionA, new { clientVisitId = Guid.NewGuid(), addressId = leased.Doors[0], outcome = "SPOKE_WITH" });
        Assert.Equal(HttpStatusCode.Created, visit.StatusCode);

        Assert.True((await LeaseRowsAsync(sessionA)).SetEquals(leased.Doors.Skip(1)));
        var again = await LeasedAsync(a, sessionA, lat, lng, 3);
        Assert.Equal(leased.Doors.Skip(1), again.Doors.Take(2));
        Assert.DoesNotContain(leased.Doors[0], again.Doors);
        var other = await LeasedAsync(b, sessionB, lat, lng, 15);
        Assert.Equal(15 - 1 - 3, other.Doors.Count);
        Assert.Empty(other.Doors.Intersect(again.Doors.Append(leased.Doors[0])));
    }

    [Fact]
    public async Task Ending_the_session_gives_its_doors_to_the_next_canvasser()
    {
        var (cut, _, lat, lng) = await GridAsync(3, 5);
        var (a, b) = await CanvassersAsync(2) switch { var c => (c[0], c[1]) };
        var sessionA = await a.StartSessionAsync(cut);
        var sessionB = await b.StartSessionAsync(cut);
        var leased = await LeasedAsync(a, sessionA, lat, lng, 4);

        Assert.Equal(HttpStatusCode.OK, (await a.EndAsync(sessionA)).StatusCode);

        Assert.Empty(await LeaseRowsAsync(sessionA));
        var next = await LeasedAsync(b, sessionB, lat, lng, 4);
        Assert.Equal(leased.Doors, next.Doors);
        var ended = await LeaseAsync(a, sessionA, new { count = 1 });
        await Problem.Expect(ended, HttpStatusCode.Conflict);
        Assert.Equal("COMPLETED", (await JsonAsync(ended)).GetProperty("sessionStatus").GetString());
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { """{"count":0}""", "count" },
        { """{"count":51}""", "count" },
        { """{"count":"ten"}""", "count" },
        { """{"latitude":53.5}""", "longitude" },
        { """{"latitude":91,"longitude":0}""", "latitude" },
        { """{"latitude":0,"longitude":-181}""", "longitude" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_a_400_naming_the_field(string json, string field)
    {
        var (cut, _, _, _) = await GridAsync(1, 2);
        var canvasser = (await CanvassersAsync(1))[0];
        var session = await canvasser.StartSessionAsync(cut);
        var response = await canvasser.Http.PostAsync($"/api/canvass/sessions/{session}/doors/lease",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        await Problem.Expect(response, HttpStatusCode.BadRequest, field: field);
        Assert.Empty(await LeaseRowsAsync(session));
    }

    [Fact]
    public async Task Someone_elses_session_or_none_is_a_404_and_an_admin_may_not_lease_for_a_canvasser()
    {
        var (cut, _, _, _) = await GridAsync(1, 3);
        var (owner, stranger) = await CanvassersAsync(2) switch { var c => (c[0], c[1]) };
        var admin = (await CanvassersAsync(1, UserRole.MapAdmin))[0];
        var session = await owner.StartSessionAsync(cut);

        await Problem.Expect(await LeaseAsync(stranger, session, new { count = 1 }), HttpStatusCode.NotFound);
        await Problem.Expect(await LeaseAsync(owner, Guid.NewGuid(), new { count = 1 }), HttpStatusCode.NotFound);
        await Problem.Expect(await LeaseAsync(admin, session, new { count = 1 }), HttpStatusCode.Forbidden);
        Assert.Empty(await LeaseRowsAsync(session));
        // Without a body: the default count, from the route's own start.
        var response = await owner.Http.PostAsJsonAsync($"/api/canvass/sessions/{session}/doors/lease", new { });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, (await JsonAsync(response)).GetProperty("doors").GetArrayLength());
    }

    [Fact]
    public async Task A_volunteer_sees_their_shift_turf_an_admin_every_part_and_others_a_404()
    {
        var (cut, doors, _, _) = await GridAsync(4, 5);
        var admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        var shift = await ShiftFixtures.CreateShiftAsync(admin, 5);
        var shiftId = shift.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/shifts/{shiftId}", new { cutId = cut })).StatusCode);
        var (first, second, stranger) = await CanvassersAsync(3) switch { var c => (c[0], c[1], c[2]) };
        Assert.Equal(HttpStatusCode.Created, (await first.Http.PostAsync($"/api/shifts/{shiftId}/signups", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await second.Http.PostAsync($"/api/shifts/{shiftId}/signups", null)).StatusCode);

        var mine = await first.Http.GetAsync($"/api/canvass/shifts/{shiftId}/turf");
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        var part = (await JsonAsync(mine)).GetProperty("parts").EnumerateArray().Single();
        Assert.Equal(5, part.GetProperty("doors").GetArrayLength());
        var all = await JsonAsync(await admin.GetAsync($"/api/canvass/shifts/{shiftId}/turf"));
        Assert.Equal(cut, all.GetProperty("cutId").GetGuid());
        var parts = all.GetProperty("parts").EnumerateArray().ToList();
        Assert.Equal(2, parts.Count);
        var kept = parts.SelectMany(p => p.GetProperty("doors").EnumerateArray().Select(d => d.GetProperty("addressId").GetGuid())).ToList();
        Assert.Equal(10, kept.Distinct().Count());
        Assert.Subset(doors.ToHashSet(), kept.ToHashSet());
        Assert.Equal(10L, await Db.ScalarAsync<long>("SELECT count(*) FROM shift_turf WHERE shift_id = @s", ("s", shiftId)));

        await Problem.Expect(await stranger.Http.GetAsync($"/api/canvass/shifts/{shiftId}/turf"), HttpStatusCode.NotFound);
        await Problem.Expect(await first.Http.GetAsync($"/api/canvass/shifts/{Guid.NewGuid()}/turf"), HttpStatusCode.NotFound);
        await Problem.Expect(await admin.GetAsync($"/api/canvass/shifts/{Guid.NewGuid()}/turf"), HttpStatusCode.NotFound);
    }
}
