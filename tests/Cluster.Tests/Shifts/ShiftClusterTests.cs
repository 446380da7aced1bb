using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.Cluster.Tests.Shifts;

/// <summary>Shifts on two silos and two frontends: live counts on the other frontend.</summary>
public class ShiftClusterTests : ClusterTest
{
    protected override int Silos => 2;
    protected override int Frontends => 2;

    [Fact]
    public async Task A_browser_on_frontend_2_sees_the_shift_fill_and_its_line_grow_through_frontend_1_and_the_last_event_has_the_final_counts()
    {
        using var admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        var shift = (await ShiftFixtures.CreateShiftAsync(admin, maxVolunteers: 60)).GetProperty("id").GetGuid();
        var volunteers = await ShiftFixtures.CreateVolunteersAsync(Cluster, 100);

        await using var hub = Cluster.Hub(1, volunteers[0].AccessToken);
        var events = new ConcurrentQueue<JsonElement>();
        hub.On<JsonElement>("shiftUpdated", e => events.Enqueue(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", $"shift:{shift}");

        var statuses = await ShiftFixtures.SignUpAllAsync(Cluster, 0, shift, volunteers);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Created, s));
        Assert.Equal(40, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @s AND status = 'WAITLISTED'", ("s", shift)));

        await Eventually.True(() => Task.FromResult(events.Any(e => e.GetProperty("status").GetString() == "FULL")), "the FULL state on frontend 2");

        // A marker: one more place, which the first in line takes. The shift's events leave its grain in order and travel
        // one path to this browser, so the event just before the marker's is the last the signups caused. The marker is
        // told by its capacity, which no earlier event had (its counts, 61 and 39, alone could match a state mid-fill).
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/shifts/{shift}", new { maxVolunteers = 61 })).StatusCode);
        static bool IsMarker(JsonElement e) => e.GetProperty("maxVolunteers").GetInt32() == 61;
        await Eventually.True(() => Task.FromResult(events.Any(IsMarker)), "the line moved up");

        var seen = events.ToList();
        var beforeMarker = seen.TakeWhile(e => !IsMarker(e)).ToList();
        var last = beforeMarker[^1];
        Assert.Equal(shift, last.GetProperty("shiftId").GetGuid());
        Assert.Equal(60, last.GetProperty("currentVolunteers").GetInt32());
        Assert.Equal(60, last.GetProperty("maxVolunteers").GetInt32());
        Assert.Equal(40, last.GetProperty("waitlistCount").GetInt32());
        Assert.Equal("FULL", last.GetProperty("status").GetString());
        var marker = seen.First(IsMarker);
        Assert.Equal(61, marker.GetProperty("currentVolunteers").GetInt32());
        Assert.Equal(39, marker.GetProperty("waitlistCount").GetInt32());
        Assert.All(seen.Skip(beforeMarker.Count), e => Assert.True(IsMarker(e), $"after the marker: {e}"));
        // Coalesced: a hundred commits become a handful of events, not a hundred.
        Assert.True(beforeMarker.Count < 60, $"{beforeMarker.Count} events for 100 signups");
    }

    [Fact]
    public async Task A_browser_on_frontend_2_sees_a_shift_cancelled_through_frontend_1()
    {
        using var admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        var shift = (await ShiftFixtures.CreateShiftAsync(admin, maxVolunteers: 5, isPublic: true)).GetProperty("id").GetGuid();
        var volunteer = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        using (var asVolunteer = Cluster.Http(0, volunteer.AccessToken))
            Assert.Equal(HttpStatusCode.Created, (await asVolunteer.PostAsync($"/api/shifts/{shift}/signups", null)).StatusCode);

        await using var hub = Cluster.Hub(1, volunteer.AccessToken);
        var events = new ConcurrentQueue<JsonElement>();
        hub.On<JsonElement>("shiftUpdated", e => events.Enqueue(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", $"shift:{shift}");

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/shifts/{shift}/cancel", null)).StatusCode);
        await Eventually.True(() => Task.FromResult(events.Any(e => e.GetProperty("status").GetString() == "CANCELLED")), "the CANCELLED state on frontend 2");
        var cancelled = events.First(e => e.GetProperty("status").GetString() == "CANCELLED");
        Assert.Equal(shift, cancelled.GetProperty("shiftId").GetGuid());
        Assert.Equal(5, cancelled.GetProperty("maxVolunteers").GetInt32());
    }

    [Fact]
    public async Task Anonymous_viewers_may_watch_public_shifts_only()
    {
        using var admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        var open = (await ShiftFixtures.CreateShiftAsync(admin, 5, isPublic: true)).GetProperty("id").GetGuid();
        var hidden = (await ShiftFixtures.CreateShiftAsync(admin, 5, isPublic: false)).GetProperty("id").GetGuid();

        await using var anonymous = Cluster.Hub(1);
        var events = new ConcurrentQueue<JsonElement>();
        anonymous.On<JsonElement>("shiftUpdated", e => events.Enqueue(e));
        await anonymous.StartAsync();
        await anonymous.InvokeAsync("Subscribe", $"shift:{open}");
        var refused = await Assert.ThrowsAsync<HubException>(() => anonymous.InvokeAsync("Subscribe", $"shift:{hidden}"));
        Assert.Contains("not allowed", refused.Message);
        await Assert.ThrowsAsync<HubException>(() => anonymous.InvokeAsync("Subscribe", "shift:not-a-guid"));

        using var http = Cluster.Http(0);
        Assert.Equal(HttpStatusCode.Created,
            (await http.PostAsJsonAsync($"/api/public/shifts/{open}/signups", new { name = "Watcher", email = "watcher@example.org" })).StatusCode);
        await Eventually.True(() => Task.FromResult(events.Any(e => e.GetProperty("currentVolunteers").GetInt32() == 1)), "the public count");

        // A signed-in volunteer watches a private shift only once an admin has put them on it (docs/shifts.md).
        var member = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1, UserRole.User))[0];
        await using (var notYet = Cluster.Hub(0, member.AccessToken))
        {
            await notYet.StartAsync();
            await Assert.ThrowsAsync<HubException>(() => notYet.InvokeAsync("Subscribe", $"shift:{hidden}"));
        }
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/api/shifts/{hidden}/signups", new { userId = member.Id })).StatusCode);
        await using var signedIn = Cluster.Hub(0, member.AccessToken);
        await signedIn.StartAsync();
        await signedIn.InvokeAsync("Subscribe", $"shift:{hidden}");
    }
}
