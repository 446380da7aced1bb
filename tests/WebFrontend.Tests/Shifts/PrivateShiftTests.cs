using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.WebFrontend.Tests.Shifts;

/// <summary>
/// Private turf (docs/shifts.md): a shift that is not public is seen and joined only by those an admin let in, the
/// holders of the <c>privateShifts</c> grant and the volunteers an admin put on it.
/// </summary>
public sealed class PrivateShiftTests : ClusterTest
{
    private async Task<(TestUser User, HttpClient Http)> Volunteer(string permissions = "{}")
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.User, permissions: permissions);
        var token = TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.User, lifetime: TimeSpan.FromHours(1), permissionsJson: permissions);
        return (user, Cluster.Http(0, token));
    }

    private static async Task<List<Guid>> Listed(HttpClient http, int days)
    {
        var response = await http.GetAsync($"/api/shifts?from={ShiftFixtures.Date(days)}&to={ShiftFixtures.Date(days)}&pageSize=500");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return body.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetGuid()).ToList();
    }

    [Fact]
    public async Task A_private_shift_is_hidden_from_and_refused_to_a_self_registered_volunteer_and_open_to_those_let_in()
    {
        using var admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        const int days = 11;
        var hidden = (await ShiftFixtures.CreateShiftAsync(admin, 5, isPublic: false, daysFromToday: days, title: "Private doors")).GetProperty("id").GetGuid();
        var open = (await ShiftFixtures.CreateShiftAsync(admin, 5, isPublic: true, daysFromToday: days, title: "Open doors")).GetProperty("id").GetGuid();

        var (plain, asPlain) = await Volunteer();
        using (asPlain)
        {
            var listed = await Listed(asPlain, days);
            Assert.Contains(open, listed);
            Assert.DoesNotContain(hidden, listed);
            await Problem.Expect(await asPlain.GetAsync($"/api/shifts/{hidden}"), HttpStatusCode.NotFound);
            await Problem.Expect(await asPlain.PostAsync($"/api/shifts/{hidden}/signups", null), HttpStatusCode.NotFound);
            Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @s", ("s", hidden)));
            Assert.Equal(0, await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @s", ("s", hidden)));
            Assert.Equal(HttpStatusCode.Created, (await asPlain.PostAsync($"/api/shifts/{open}/signups", null)).StatusCode);
        }

        // An admin puts the volunteer on the shift: now they see it (and only through that place).
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/api/shifts/{hidden}/signups", new { userId = plain.Id })).StatusCode);
        using (var asPlainAgain = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, plain.Id, plain.Email, UserRole.User)))
        {
            Assert.Contains(hidden, await Listed(asPlainAgain, days));
            Assert.Equal(HttpStatusCode.OK, (await asPlainAgain.GetAsync($"/api/shifts/{hidden}")).StatusCode);
        }

        // The grant holder sees every shift and signs up themself.
        var (_, asGranted) = await Volunteer("""{"privateShifts": true}""");
        using (asGranted)
        {
            Assert.Contains(hidden, await Listed(asGranted, days));
            Assert.Equal(HttpStatusCode.OK, (await asGranted.GetAsync($"/api/shifts/{hidden}")).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await asGranted.PostAsync($"/api/shifts/{hidden}/signups", null)).StatusCode);
        }
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @s", ("s", hidden)));
    }

    [Fact]
    public async Task A_grant_in_the_token_alone_does_not_open_a_private_shift_the_account_no_longer_holds()
    {
        using var admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        var hidden = (await ShiftFixtures.CreateShiftAsync(admin, 5, isPublic: false, daysFromToday: 12)).GetProperty("id").GetGuid();
        // The admin withdrew the grant after the token was issued: the shift decides on the account as it is now.
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        using var http = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.User, permissionsJson: """{"privateShifts": true}"""));
        await Problem.Expect(await http.PostAsync($"/api/shifts/{hidden}/signups", null), HttpStatusCode.NotFound);
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @s", ("s", hidden)));
    }

    [Fact]
    public async Task An_admin_grants_private_shifts_and_support_levels_through_the_users_api_and_unknown_keys_are_400()
    {
        var super = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        using var http = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, super.Id, super.Email, UserRole.SuperAdmin));
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var granted = await http.PatchAsJsonAsync($"/api/users/{user.Id}", new { permissions = new { privateShifts = true, supportLevels = true } });
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        Assert.True(await Db.ScalarAsync<bool>("SELECT (permissions->>'privateShifts')::boolean FROM users WHERE id = @id", ("id", user.Id)));
        await Problem.Expect(await http.PatchAsJsonAsync($"/api/users/{user.Id}", new { permissions = new { seeEverything = true } }),
            HttpStatusCode.BadRequest, "permissions");
    }

    [Fact]
    public async Task A_private_shifts_live_topic_is_refused_to_those_not_let_in_and_open_to_those_let_in()
    {
        using var admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        var hidden = (await ShiftFixtures.CreateShiftAsync(admin, 5, isPublic: false, daysFromToday: 13)).GetProperty("id").GetGuid();
        var open = (await ShiftFixtures.CreateShiftAsync(admin, 5, isPublic: true, daysFromToday: 13)).GetProperty("id").GetGuid();
        var topic = $"shift:{hidden}";

        await using (var anonymous = Cluster.Hub(0))
        {
            await anonymous.StartAsync();
            await anonymous.InvokeAsync("Subscribe", $"shift:{open}");
            await Assert.ThrowsAsync<HubException>(() => anonymous.InvokeAsync("Subscribe", topic));
        }

        var plain = await TestUsers.CreateAsync(Db, UserRole.User);
        await using (var asPlain = Cluster.Hub(0, TestTokens.Mint(Cluster.SigningKey, plain.Id, plain.Email, UserRole.User)))
        {
            await asPlain.StartAsync();
            await Assert.ThrowsAsync<HubException>(() => asPlain.InvokeAsync("Subscribe", topic));
        }

        // Put on the shift by an admin, the same volunteer may watch it.
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/api/shifts/{hidden}/signups", new { userId = plain.Id })).StatusCode);
        await using (var placed = Cluster.Hub(0, TestTokens.Mint(Cluster.SigningKey, plain.Id, plain.Email, UserRole.User)))
        {
            await placed.StartAsync();
            await placed.InvokeAsync("Subscribe", topic);
        }

        var granted = await TestUsers.CreateAsync(Db, UserRole.User, permissions: """{"privateShifts": true}""");
        await using var asGranted = Cluster.Hub(0, TestTokens.Mint(Cluster.SigningKey, granted.Id, granted.Email, UserRole.User,
            permissionsJson: """{"privateShifts": true}"""));
        await asGranted.StartAsync();
        await asGranted.InvokeAsync("Subscribe", topic);
    }
}
