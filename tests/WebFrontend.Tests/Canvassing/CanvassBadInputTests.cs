using System.Net;
using System.Text;
using ChangemakerLite.TestSupport;
using static ChangemakerLite.TestSupport.CanvassClient;

namespace ChangemakerLite.WebFrontend.Tests.Canvassing;

/// <summary>Every malformed request is a 400 (413 for too many points) naming the field, and writes nothing.</summary>
public sealed class CanvassBadInputTests(CanvassApiFixture fx) : IClassFixture<CanvassApiFixture>
{
    private static readonly string Now = DateTimeOffset.UtcNow.ToString("O");
    private static readonly string Future = DateTimeOffset.UtcNow.AddHours(1).ToString("O");

    public static TheoryData<string, string> VisitBodies() => new()
    {
        { "{}", "clientVisitId" },
        { """{"clientVisitId":"00000000-0000-0000-0000-000000000000","addressId":"{door}","outcome":"NOT_HOME"}""", "clientVisitId" },
        { """{"clientVisitId":"not-a-uuid","addressId":"{door}","outcome":"NOT_HOME"}""", "clientVisitId" },
        { """{"clientVisitId":"{new}","outcome":"NOT_HOME"}""", "addressId" },
        { """{"clientVisitId":"{new}","addressId":"{door}"}""", "outcome" },
        { """{"clientVisitId":"{new}","addressId":"{door}","outcome":"MAYBE"}""", "outcome" },
        { """{"clientVisitId":"{new}","addressId":"{door}","outcome":"SPOKE_WITH","supportLevel":"LEVEL_9"}""", "supportLevel" },
        { """{"clientVisitId":"{new}","addressId":"{door}","outcome":"NOT_HOME","durationSeconds":-1}""", "durationSeconds" },
        { """{"clientVisitId":"{new}","addressId":"{door}","outcome":"NOT_HOME","durationSeconds":"long"}""", "durationSeconds" },
        { """{"clientVisitId":"{new}","addressId":"{door}","outcome":"NOT_HOME","notes":"{long}"}""", "notes" },
        { """{"clientVisitId":"{new}","addressId":"{door}","outcome":"NOT_HOME","signSize":"{long}"}""", "signSize" },
        { """{"clientVisitId":"{new}","addressId":"{door}","outcome":"NOT_HOME","visitedAt":"{future}"}""", "visitedAt" },
        { """{"clientVisitId":"{new}","addressId":"{door}","outcome":"NOT_HOME","visitedAt":"yesterday"}""", "visitedAt" },
        { """{"clientVisitId":"{new}","addressId":"{unknown}","outcome":"NOT_HOME"}""", "addressId" },
        { """[1,2]""", "body" },
        // Not one JSON value: cut short (named where it broke off), empty, or followed by more.
        { """{"clientVisitId":"{new}","addressId":""", "addressId" },
        { "", "body" },
        { """{"clientVisitId":"{new}","addressId":"{door}","outcome":"NOT_HOME"} {"outcome":"REFUSED"}""", "body" },
    };

    public static TheoryData<string, string> PointBodies() => new()
    {
        { "{}", "points" },
        { """{"points":[]}""", "points" },
        { """{"points":"lots"}""", "points" },
        { """{"points":[{"latitude":53.5,"longitude":-113.5,"recordedAt":"{now}"}]}""", "points[0].seq" },
        { """{"points":[{"seq":-1,"latitude":53.5,"longitude":-113.5,"recordedAt":"{now}"}]}""", "points[0].seq" },
        { """{"points":[{"seq":1,"latitude":91,"longitude":-113.5,"recordedAt":"{now}"}]}""", "points[0].latitude" },
        { """{"points":[{"seq":1,"latitude":53.5,"longitude":-181,"recordedAt":"{now}"}]}""", "points[0].longitude" },
        { """{"points":[{"seq":1,"latitude":53.5,"recordedAt":"{now}"}]}""", "points[0].longitude" },
        { """{"points":[{"seq":1,"latitude":53.5,"longitude":-113.5,"recordedAt":"{now}"},{"seq":2,"latitude":53.5,"longitude":-113.5,"accuracy":-3,"recordedAt":"{now}"}]}""", "points[1].accuracy" },
        { """{"points":[{"seq":1,"latitude":53.5,"longitude":-113.5,"recordedAt":"{future}"}]}""", "points[0].recordedAt" },
        { """{"points":[{"seq":1,"latitude":53.5,"longitude":-113.5}]}""", "points[0].recordedAt" },
        { """{"points":[{"seq":1,"latitude":53.5,"longitude":-113.5,"recordedAt":"{now}"},{"seq":1,"latitude":53.6,"longitude":-113.5,"recordedAt":"{now}"}]}""", "points[1].seq" },
        { """{"points":[{"seq":1,"latitude":53.5,"longitude":-113.5,"recordedAt":"{now}","eventType":"SESSION_ENDED"}]}""", "points[0].eventType" },
        { """{"points":[{"seq":1,"latitude":53.5,"longitude":-113.5,"recordedAt":"{now}","eventType":"PARTY"}]}""", "points[0].eventType" },
        { """{"points":[{"seq":1,"latitude":"north","longitude":-113.5,"recordedAt":"{now}"}]}""", "points[0].latitude" },
        // Longer than one buffer of the request body, and followed by more.
        { """{"points":[{many}]} trailing""", "body" },
    };

    public static TheoryData<string, string> StartBodies() => new()
    {
        { "{}", "cutId" },
        { """{"cutId":"x"}""", "cutId" },
        { """{"cutId":"{cut}","startLatitude":95,"startLongitude":0}""", "startLatitude" },
        { """{"cutId":"{cut}","startLatitude":53.5}""", "startLongitude" },
        { """{"cutId":"{unknown}"}""", "cutId" },
        { """{"cutId":"{cut}","shiftId":"{unknown}"}""", "shiftId" },
    };

    private string Fill(string body) => body
        .Replace("{door}", fx.Doors[0].ToString())
        .Replace("{cut}", fx.CutId.ToString())
        .Replace("{new}", Guid.NewGuid().ToString())
        .Replace("{unknown}", Guid.NewGuid().ToString())
        .Replace("{long}", new string('x', 5000))
        .Replace("{many}", string.Join(",", Enumerable.Range(1, 100).Select(i => $$"""{"seq":{{i}},"latitude":53.5,"longitude":-113.5,"recordedAt":"{now}"}""")))
        .Replace("{now}", Now)
        .Replace("{future}", Future);

    private static Task AssertNamesField(HttpResponseMessage response, string field, HttpStatusCode status = HttpStatusCode.BadRequest) =>
        Problem.Expect(response, status, field);

    private async Task<(CanvassClient Client, Guid Session, Func<Task<long>> Written)> ActiveSession()
    {
        var (_, canvasser) = await fx.SignInAsync();
        var session = await canvasser.StartSessionAsync(fx.CutId);
        return (canvasser, session, () => fx.Db.ScalarAsync<long>("""
            SELECT (SELECT count(*) FROM canvass_visits WHERE session_id = @s)
                 + (SELECT count(*) FROM track_points p JOIN tracking_sessions t ON t.id = p.tracking_session_id WHERE t.canvass_session_id = @s)
                 + (SELECT total_points FROM tracking_sessions WHERE canvass_session_id = @s)
            """, ("s", session)));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Theory]
    [MemberData(nameof(VisitBodies))]
    public async Task Bad_visits_are_400_naming_the_field(string body, string field)
    {
        var (canvasser, session, written) = await ActiveSession();
        var before = await written();
        await AssertNamesField(await canvasser.Http.PostAsync($"/api/canvass/sessions/{session}/visits", Json(Fill(body))), field);
        Assert.Equal(before, await written());
    }

    [Theory]
    [MemberData(nameof(PointBodies))]
    public async Task Bad_points_are_400_naming_the_field(string body, string field)
    {
        var (canvasser, session, written) = await ActiveSession();
        var before = await written();
        await AssertNamesField(await canvasser.Http.PostAsync($"/api/canvass/sessions/{session}/points", Json(Fill(body))), field);
        Assert.Equal(before, await written());
    }

    [Fact]
    public async Task More_than_a_thousand_points_is_413_naming_points()
    {
        var (canvasser, session, written) = await ActiveSession();
        var before = await written();
        var points = Enumerable.Range(0, 1001).Select(i => Point(i, 53.5, -113.5, DateTimeOffset.UtcNow.AddMinutes(-5)));
        await AssertNamesField(await canvasser.PointsAsync(session, points), "points", HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await written());
    }

    [Theory]
    [MemberData(nameof(StartBodies))]
    public async Task Bad_starts_are_400_naming_the_field(string body, string field)
    {
        var (user, canvasser) = await fx.SignInAsync();
        await AssertNamesField(await canvasser.Http.PostAsync("/api/canvass/sessions", Json(Fill(body))), field);
        Assert.Equal(0L, await fx.CountAsync("canvass_sessions", "user_id = @u", ("u", user.Id)));
    }

    [Theory]
    [InlineData("/api/canvass/cuts/{cut}/walk-list?fromLat=north&fromLng=1", "fromLat")]
    [InlineData("/api/canvass/cuts/{cut}/walk-list?fromLat=53.5", "fromLng")]
    [InlineData("/api/canvass/cuts/{cut}/walk-list?fromLat=53.5&fromLng=200", "fromLng")]
    [InlineData("/api/canvass/sessions?status=PAUSED", "status")]
    [InlineData("/api/canvass/sessions?userId=someone", "userId")]
    [InlineData("/api/canvass/sessions?pageSize=501", "pageSize")]
    public async Task Bad_query_parameters_are_400_naming_the_parameter(string path, string field)
    {
        var (_, admin) = await fx.SignInAsync(Grains.Interfaces.Auth.UserRole.SuperAdmin);
        await AssertNamesField(await admin.Http.GetAsync(Fill(path)), field);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415()
    {
        var (canvasser, session, written) = await ActiveSession();
        var response = await canvasser.Http.PostAsync($"/api/canvass/sessions/{session}/points", new StringContent("seq=1", Encoding.UTF8, "text/plain"));
        await Problem.Expect(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(1L, await written()); // the SESSION_STARTED marker, nothing more
    }
}
