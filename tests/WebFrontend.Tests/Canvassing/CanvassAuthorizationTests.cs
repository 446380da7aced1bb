using System.Net;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using static ChangemakerLite.TestSupport.CanvassClient;

namespace ChangemakerLite.WebFrontend.Tests.Canvassing;

/// <summary>Who may do what to a session that exists: the owner writes, admins read and end, nobody else anything.</summary>
public sealed class CanvassAuthorizationTests(CanvassApiFixture fx) : IClassFixture<CanvassApiFixture>
{
    private object AVisit() => new { clientVisitId = Guid.NewGuid(), addressId = fx.Doors[0], outcome = "NOT_HOME" };
    private static object[] AFix() => [Point(1, 53.505, -113.505, DateTimeOffset.UtcNow.AddSeconds(-1))];

    [Fact]
    public async Task Another_canvasser_cannot_write_into_or_read_a_session()
    {
        var (_, owner) = await fx.SignInAsync();
        var session = await owner.StartSessionAsync(fx.CutId);
        var (_, stranger) = await fx.SignInAsync();

        await Problem.Expect(await stranger.VisitAsync(session, AVisit()), HttpStatusCode.Forbidden);
        await Problem.Expect(await stranger.PointsAsync(session, AFix()), HttpStatusCode.Forbidden);
        await Problem.Expect(await stranger.EndAsync(session), HttpStatusCode.Forbidden);
        await Problem.Expect(await stranger.Http.GetAsync($"/api/canvass/sessions/{session}"), HttpStatusCode.NotFound);
        await Problem.Expect(await stranger.Http.GetAsync($"/api/canvass/sessions/{session}/track"), HttpStatusCode.NotFound);

        Assert.Equal(0L, await fx.CountAsync("canvass_visits", "session_id = @s", ("s", session)));
        Assert.Equal(0, await fx.Db.ScalarAsync<int>("SELECT total_points FROM tracking_sessions WHERE canvass_session_id = @s", ("s", session)));
        Assert.Equal("ACTIVE", await fx.Db.ScalarAsync<string>("SELECT status::text FROM canvass_sessions WHERE id = @s", ("s", session)));
    }

    [Fact]
    public async Task An_admin_reads_and_ends_any_session_but_records_only_into_their_own()
    {
        var (_, owner) = await fx.SignInAsync(UserRole.Temp);
        var session = await owner.StartSessionAsync(fx.CutId);
        var (_, admin) = await fx.SignInAsync(UserRole.MapAdmin);

        await Problem.Expect(await admin.VisitAsync(session, AVisit()), HttpStatusCode.Forbidden);
        await Problem.Expect(await admin.PointsAsync(session, AFix()), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync($"/api/canvass/sessions/{session}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync($"/api/canvass/sessions/{session}/track")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.EndAsync(session)).StatusCode);
        Assert.Equal("COMPLETED", await fx.Db.ScalarAsync<string>("SELECT status::text FROM canvass_sessions WHERE id = @s", ("s", session)));
    }

    [Fact]
    public async Task A_permission_override_withdraws_canvass_administration()
    {
        var (_, owner) = await fx.SignInAsync();
        var session = await owner.StartSessionAsync(fx.CutId);
        var mapAdmin = await TestUsers.CreateAsync(fx.Db, UserRole.MapAdmin, permissions: """{"canvass": false}""");
        var token = TestTokens.Mint(fx.Cluster.SigningKey, mapAdmin.Id, mapAdmin.Email, UserRole.MapAdmin, permissionsJson: """{"canvass": false}""");
        var withdrawn = new CanvassClient(fx.Cluster.Http(0, token));

        await Problem.Expect(await withdrawn.Http.GetAsync("/api/canvass/sessions"), HttpStatusCode.Forbidden);
        await Problem.Expect(await withdrawn.Http.GetAsync($"/api/canvass/sessions/{session}"), HttpStatusCode.NotFound);
        await Problem.Expect(await withdrawn.EndAsync(session), HttpStatusCode.Forbidden);
    }
}
