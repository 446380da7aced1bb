using System.Net;
using System.Text.Json;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.WebFrontend.Tests.Canvassing;

/// <summary>
/// A canvasser's visits sent as messages on the live connection (<c>RecordVisit</c> on <c>/hubs/live</c>): the same
/// rules and the same rows as the visits route, and a refusal that names the field and stores nothing.
/// </summary>
public sealed class VisitOverLiveTests(CanvassApiFixture fx) : IClassFixture<CanvassApiFixture>
{
    private object Visit(Guid clientVisitId, string outcome = "NOT_HOME", string? notes = null, Guid? address = null) =>
        new { clientVisitId, addressId = address ?? fx.Doors[4], outcome, notes, durationSeconds = 40 };

    private async Task<HubConnection> ConnectedAsync(string? token)
    {
        var hub = fx.Cluster.Hub(0, token);
        await hub.StartAsync();
        return hub;
    }

    [Fact]
    public async Task A_visit_sent_on_the_live_connection_is_stored_once_and_its_resend_answers_the_same_visit()
    {
        var (user, canvasser) = await fx.SignInAsync();
        var sessionId = await canvasser.StartSessionAsync(fx.CutId);
        await using var hub = await ConnectedAsync(user.AccessToken);
        var clientVisitId = Guid.NewGuid();

        var visit = await hub.InvokeAsync<JsonElement>("RecordVisit", sessionId, Visit(clientVisitId, notes: "Dog in the yard"));
        var again = await hub.InvokeAsync<JsonElement>("RecordVisit", sessionId, Visit(clientVisitId, outcome: "REFUSED"));

        Assert.Equal(visit.GetProperty("id").GetGuid(), again.GetProperty("id").GetGuid());
        Assert.Equal("NOT_HOME", again.GetProperty("outcome").GetString());
        Assert.Equal(user.Id, visit.GetProperty("userId").GetGuid());
        Assert.Equal(1L, await fx.CountAsync("canvass_visits", "session_id = @s AND client_visit_id = @c AND notes = 'Dog in the yard'",
            ("s", sessionId), ("c", clientVisitId)));
        // The same visit as a request is a replay of it, not a second row.
        var replay = await canvasser.VisitAsync(sessionId, Visit(clientVisitId));
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(visit.GetProperty("id").GetGuid(), (await CanvassClient.JsonAsync(replay)).GetProperty("id").GetGuid());
        Assert.Equal(1L, await fx.CountAsync("track_points p JOIN tracking_sessions t ON t.id = p.tracking_session_id",
            "t.canvass_session_id = @s AND p.event_type = 'VISIT_RECORDED'", ("s", sessionId)));
    }

    [Theory]
    [InlineData("addressId", """{"outcome":"NOT_HOME"}""")]
    [InlineData("outcome", """{"addressId":"ADDRESS"}""")]
    [InlineData("notes", """{"addressId":"ADDRESS","outcome":"NOT_HOME","notes":"a\u0000b"}""")]
    [InlineData("durationSeconds", """{"addressId":"ADDRESS","outcome":"NOT_HOME","durationSeconds":-5}""")]
    public async Task A_bad_visit_is_refused_naming_the_field_and_stores_nothing(string field, string json)
    {
        var (user, canvasser) = await fx.SignInAsync();
        var sessionId = await canvasser.StartSessionAsync(fx.CutId);
        await using var hub = await ConnectedAsync(user.AccessToken);
        var body = JsonDocument.Parse(json.Replace("ADDRESS", fx.Doors[2].ToString())).RootElement;
        var withId = JsonSerializer.SerializeToElement(
            body.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value).Append(new("clientVisitId", Guid.NewGuid())).ToDictionary());

        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("RecordVisit", sessionId, withId));

        Assert.Contains($"HubException: {field}:", refused.Message);
        Assert.Equal(0L, await fx.CountAsync("canvass_visits", "session_id = @s", ("s", sessionId)));
        // The connection stays usable: the next good visit is stored.
        await hub.InvokeAsync<JsonElement>("RecordVisit", sessionId, Visit(Guid.NewGuid()));
        Assert.Equal(1L, await fx.CountAsync("canvass_visits", "session_id = @s", ("s", sessionId)));
    }

    [Fact]
    public async Task Nobody_records_into_another_canvasser_s_session_and_an_anonymous_connection_records_nothing()
    {
        var (_, owner) = await fx.SignInAsync();
        var sessionId = await owner.StartSessionAsync(fx.CutId);
        var (other, _) = await fx.SignInAsync();
        await using var otherHub = await ConnectedAsync(other.AccessToken);
        await using var anonymous = await ConnectedAsync(null);

        var forbidden = await Assert.ThrowsAsync<HubException>(() => otherHub.InvokeAsync<JsonElement>("RecordVisit", sessionId, Visit(Guid.NewGuid())));
        Assert.Contains("Only the canvasser who owns the session", forbidden.Message);
        var unauthorized = await Assert.ThrowsAsync<HubException>(() => anonymous.InvokeAsync<JsonElement>("RecordVisit", sessionId, Visit(Guid.NewGuid())));
        Assert.Contains("unauthorized", unauthorized.Message);
        var missing = await Assert.ThrowsAsync<HubException>(() => otherHub.InvokeAsync<JsonElement>("RecordVisit", Guid.NewGuid(), Visit(Guid.NewGuid())));
        Assert.Contains("not found", missing.Message);
        Assert.Equal(0L, await fx.CountAsync("canvass_visits", "session_id = @s", ("s", sessionId)));
    }
}
