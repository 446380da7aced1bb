using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.Cluster.Tests.Platform;

/// <summary>
/// An account change made through one frontend closes the user's live connections on every other frontend, carried by
/// the account event through the live relay (the periodic check is set far out here, so it cannot be what closes them).
/// </summary>
public sealed class LiveAccountClusterTests : ClusterTest
{
    protected override int Silos => 2;
    protected override int Frontends => 2;
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["LIVE_ACCOUNT_CHECK_SECONDS"] = "600" };

    private static Task<Exception?> WhenClosed(HubConnection hub)
    {
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
        return closed.Task;
    }

    [Fact]
    public async Task Deactivating_a_user_on_one_frontend_closes_their_connections_on_every_frontend()
    {
        var super = await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin);
        var user = await TestUsers.SignedInAsync(Cluster, UserRole.User);
        await using var onFirst = Cluster.Hub(0, user.AccessToken);
        await using var onSecond = Cluster.Hub(1, user.AccessToken);
        var closed = new[] { WhenClosed(onFirst), WhenClosed(onSecond) };
        using var admin = Cluster.Http(0, super.AccessToken);
        var shift = (await ShiftFixtures.CreateShiftAsync(admin, 5, isPublic: true)).GetProperty("id").GetGuid();
        await onFirst.StartAsync();
        await onSecond.StartAsync();
        await onSecond.InvokeAsync("Subscribe", LiveTopics.Shift(shift));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/users/{user.Id}")).StatusCode);
        await Task.WhenAll(closed).WaitAsync(TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task Demoting_an_admin_on_one_frontend_closes_their_admin_connection_on_another()
    {
        var super = await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin);
        var mapAdmin = await TestUsers.SignedInAsync(Cluster, UserRole.MapAdmin);
        await using var hub = Cluster.Hub(1, mapAdmin.AccessToken);
        var closed = WhenClosed(hub);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", LiveTopics.CanvassLive);

        using var admin = Cluster.Http(0, super.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/users/{mapAdmin.Id}", new { role = "USER" })).StatusCode);
        await closed.WaitAsync(TimeSpan.FromSeconds(120));
    }
}
