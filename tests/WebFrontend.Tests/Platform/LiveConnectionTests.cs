using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.WebFrontend.Tests.Platform;

/// <summary>
/// A live connection follows its account: it closes when its token expires, when the account is deactivated, or when
/// its role or admin apps are taken away; and one connection holds a bounded number of topics. The periodic check is
/// set far out here, so what closes a connection at once is the account event every frontend receives.
/// </summary>
public sealed class LiveConnectionTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["LIVE_MAX_TOPICS_PER_CONNECTION"] = "3",
        ["LIVE_ACCOUNT_CHECK_SECONDS"] = "600",
    };

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Completes with the connection's closing error (null for a clean close) once it closes.</summary>
    internal static Task<Exception?> WhenClosed(HubConnection hub)
    {
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
        return closed.Task;
    }

    /// <summary>Starts a connection the server is expected to close at once, and answers why it did.</summary>
    internal static async Task<Exception?> RefusedAsync(HubConnection hub)
    {
        var closed = WhenClosed(hub);
        try
        {
            await hub.StartAsync();
        }
        catch (Exception ex)
        {
            return ex;
        }
        return await closed.WaitAsync(Patience);
    }

    private async Task<TestUser> SignedInAs(UserRole role) => await TestUsers.SignedInAsync(Cluster, role);

    /// <summary>The live topic of a new public shift: one any viewer may watch (a private or unknown shift is refused).</summary>
    internal static async Task<string> PublicShiftTopic(LocalCluster cluster)
    {
        using var admin = cluster.Http(0, await ShiftFixtures.AdminTokenAsync(cluster));
        return LiveTopics.Shift((await ShiftFixtures.CreateShiftAsync(admin, 5, isPublic: true)).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task A_connection_closes_when_its_access_token_expires()
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var token = TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.User, lifetime: TimeSpan.FromSeconds(8));
        await using var hub = Cluster.Hub(0, token);
        var closed = WhenClosed(hub);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", await PublicShiftTopic(Cluster));

        await closed.WaitAsync(Patience);
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
    }

    [Fact]
    public async Task A_deactivated_users_connection_closes_and_their_still_valid_token_cannot_reconnect()
    {
        var admin = await SignedInAs(UserRole.SuperAdmin);
        var user = await SignedInAs(UserRole.User);
        await using var hub = Cluster.Hub(0, user.AccessToken);
        var closed = WhenClosed(hub);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", await PublicShiftTopic(Cluster));

        using var http = Cluster.Http(0, admin.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/users/{user.Id}")).StatusCode);
        await closed.WaitAsync(Patience);

        // The access token itself is still within its lifetime; the account is not.
        await using var again = Cluster.Hub(0, user.AccessToken);
        var refused = await RefusedAsync(again);
        Assert.NotNull(refused);
        Assert.Contains("account", refused!.Message);
        Assert.Equal(HubConnectionState.Disconnected, again.State);
    }

    [Fact]
    public async Task A_demoted_admin_loses_the_admin_topics()
    {
        var super = await SignedInAs(UserRole.SuperAdmin);
        var mapAdmin = await SignedInAs(UserRole.MapAdmin);
        await using var hub = Cluster.Hub(0, mapAdmin.AccessToken);
        var closed = WhenClosed(hub);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", LiveTopics.CanvassLive);

        using var http = Cluster.Http(0, super.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await http.PatchAsJsonAsync($"/api/users/{mapAdmin.Id}", new { role = "USER" })).StatusCode);
        await closed.WaitAsync(Patience);

        // The old token still says MAP_ADMIN: it may not open a connection any more.
        await using var stale = Cluster.Hub(0, mapAdmin.AccessToken);
        Assert.NotNull(await RefusedAsync(stale));

        // A refreshed token says what the account is now, and the admin topic is refused.
        using var anonymous = Cluster.Http();
        var refreshed = await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = mapAdmin.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var token = JsonDocument.Parse(await refreshed.Content.ReadAsStringAsync()).RootElement.GetProperty("accessToken").GetString();
        await using var current = Cluster.Hub(0, token);
        await current.StartAsync();
        var refused = await Assert.ThrowsAsync<HubException>(() => current.InvokeAsync("Subscribe", LiveTopics.CanvassLive));
        Assert.Contains("not allowed", refused.Message);
        // Topics a volunteer may watch still work on the new connection.
        await current.InvokeAsync("Subscribe", await PublicShiftTopic(Cluster));
    }

    [Fact]
    public async Task Withdrawing_an_admin_app_closes_the_connection()
    {
        var super = await SignedInAs(UserRole.SuperAdmin);
        var mapAdmin = await SignedInAs(UserRole.MapAdmin);
        await using var hub = Cluster.Hub(0, mapAdmin.AccessToken);
        var closed = WhenClosed(hub);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", LiveTopics.CanvassLive);

        using var http = Cluster.Http(0, super.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await http.PatchAsJsonAsync($"/api/users/{mapAdmin.Id}", new { permissions = new { canvass = false } })).StatusCode);
        await closed.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_connection_holds_at_most_the_configured_number_of_topics()
    {
        var user = await SignedInAs(UserRole.User);
        await using var hub = Cluster.Hub(0, user.AccessToken);
        await hub.StartAsync();
        var topics = new string[4];
        for (var i = 0; i < topics.Length; i++) topics[i] = await PublicShiftTopic(Cluster);
        for (var i = 0; i < 3; i++) await hub.InvokeAsync("Subscribe", topics[i]);

        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", topics[3]));
        Assert.Contains("already watches 3 topics", refused.Message);
        // A topic already held is no new topic; leaving one makes room.
        await hub.InvokeAsync("Subscribe", topics[0]);
        await hub.InvokeAsync("Unsubscribe", topics[1]);
        await hub.InvokeAsync("Subscribe", topics[3]);
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }
}

/// <summary>Anonymous subscribes are counted per address; an account changed behind the API's back is caught by the periodic check.</summary>
public sealed class LiveAnonymousLimitTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["LIVE_ANONYMOUS_SUBSCRIBES_PER_IP"] = "3",
        ["LIVE_ACCOUNT_CHECK_SECONDS"] = "1",
    };

    [Fact]
    public async Task Anonymous_subscribes_are_rate_limited_per_address_and_signed_in_ones_are_not()
    {
        await using var anonymous = Cluster.Hub(0);
        await anonymous.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            // A private or unknown shift: refused, and counted all the same (probing costs as much as watching).
            var notAllowed = await Assert.ThrowsAsync<HubException>(() => anonymous.InvokeAsync("Subscribe", LiveTopics.Shift(Guid.NewGuid())));
            Assert.Contains("not allowed", notAllowed.Message);
        }
        var limited = await Assert.ThrowsAsync<HubException>(() => anonymous.InvokeAsync("Subscribe", LiveTopics.Shift(Guid.NewGuid())));
        Assert.Contains("rate-limited", limited.Message);

        var user = await TestUsers.SignedInAsync(Cluster, UserRole.User);
        await using var signedIn = Cluster.Hub(0, user.AccessToken);
        await signedIn.StartAsync();
        for (var i = 0; i < 5; i++) await signedIn.InvokeAsync("Subscribe", await LiveConnectionTests.PublicShiftTopic(Cluster));
    }

    [Fact]
    public async Task An_account_changed_outside_the_admin_routes_is_closed_by_the_periodic_check()
    {
        var user = await TestUsers.SignedInAsync(Cluster, UserRole.User);
        await using var hub = Cluster.Hub(0, user.AccessToken);
        var closed = LiveConnectionTests.WhenClosed(hub);
        await hub.StartAsync();

        // No grain announces this change: only the periodic check can see it.
        await Db.ExecuteAsync("UPDATE users SET status = 'SUSPENDED' WHERE id = @id", ("id", user.Id));
        await closed.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
    }

    [Fact]
    public async Task A_temp_accounts_connection_closes_when_the_account_expires()
    {
        var temp = await TestUsers.CreateAsync(Db, UserRole.Temp, expiresAt: DateTimeOffset.UtcNow.AddSeconds(4));
        var token = TestTokens.Mint(Cluster.SigningKey, temp.Id, temp.Email, UserRole.Temp, lifetime: TimeSpan.FromMinutes(15));
        await using var hub = Cluster.Hub(0, token);
        var closed = LiveConnectionTests.WhenClosed(hub);
        await hub.StartAsync();
        await closed.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
