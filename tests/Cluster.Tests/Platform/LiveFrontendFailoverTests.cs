using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.Cluster.Tests.Platform;

/// <summary>
/// A frontend goes away while browsers watch through it: its browsers are disconnected, reconnect through another
/// frontend and get events again, and browsers of the other frontends miss nothing meanwhile.
/// </summary>
public class LiveFrontendFailoverTests : ClusterTest
{
    protected override int Silos => 2;
    protected override int Frontends => 2;

    private static async Task<(HubConnection Hub, ConcurrentQueue<int> Counts, TaskCompletionSource Closed)> Watch(HubConnection hub, Guid shift)
    {
        var counts = new ConcurrentQueue<int>();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JsonElement>("shiftUpdated", e => counts.Enqueue(e.GetProperty("currentVolunteers").GetInt32()));
        hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", $"shift:{shift}");
        return (hub, counts, closed);
    }

    /// <summary>A volunteer signs up through the frontend that stays (a signed-in signup: no password to hash on a busy machine).</summary>
    private async Task SignUp(Guid shift)
    {
        var volunteer = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        using var http = Cluster.Http(1, volunteer.AccessToken);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsync($"/api/shifts/{shift}/signups", null)).StatusCode);
    }

    [Fact]
    public async Task Browsers_of_a_stopped_frontend_reconnect_to_another_and_get_events_again()
    {
        using var admin = Cluster.Http(1, await ShiftFixtures.AdminTokenAsync(Cluster));
        var shift = (await ShiftFixtures.CreateShiftAsync(admin, maxVolunteers: 10, isPublic: true)).GetProperty("id").GetGuid();

        var (leaving, leavingCounts, leavingClosed) = await Watch(Cluster.Hub(0), shift);
        var (staying, stayingCounts, _) = await Watch(Cluster.Hub(1), shift);
        await using var _1 = leaving;
        await using var _2 = staying;
        await SignUp(shift);
        await Eventually.True(() => Task.FromResult(leavingCounts.Contains(1) && stayingCounts.Contains(1)), "the first signup on both frontends");

        await Cluster.StopFrontendAsync(0);
        await leavingClosed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // At once, while the silos may still have the stopped frontend on their lists.
        await SignUp(shift);
        await Eventually.True(() => Task.FromResult(stayingCounts.Contains(2)), "the second signup on the frontend that stayed");

        // The browser that lost its frontend comes back through the other one (what a load balancer does).
        var (back, backCounts, _) = await Watch(Cluster.Hub(1), shift);
        await using var _3 = back;
        await SignUp(shift);
        await Eventually.True(() => Task.FromResult(backCounts.Contains(3) && stayingCounts.Contains(3)), "the third signup to the reconnected browser");
        Assert.DoesNotContain(3, leavingCounts);
    }
}
