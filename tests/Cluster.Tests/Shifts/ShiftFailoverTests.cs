using System.Net;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;

namespace ChangemakerLite.Cluster.Tests.Shifts;

/// <summary>
/// Shifts on two silos: exact counts and the waitlist's order across the silo hosting the shift leaving (a class of its own:
/// it stops a silo).
/// </summary>
public sealed class ShiftFailoverTests : ClusterTest
{
    // A silo is killed under the frontends' traffic: the frontends must outlive it.
    protected override ClusterTopology Topology => ClusterTopology.Separate;
    protected override int Silos => 2;
    protected override int Frontends => 2;

    private async Task<(int Count, int ConfirmedRows, string Status)> Database(Guid shift) => (
        await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @id", ("id", shift)),
        await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id AND status = 'CONFIRMED'", ("id", shift)),
        (await Db.ScalarAsync<string>("SELECT status::text FROM shifts WHERE id = @id", ("id", shift)))!);

    [Fact]
    public async Task The_count_and_the_line_stay_exact_when_the_silo_hosting_the_shift_stops()
    {
        using var admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        var shift = (await ShiftFixtures.CreateShiftAsync(admin, maxVolunteers: 25)).GetProperty("id").GetGuid();
        var volunteers = await ShiftFixtures.CreateVolunteersAsync(Cluster, 40);

        var before = await ShiftFixtures.SignUpAllAsync(Cluster, 0, shift, volunteers.Take(10));
        Assert.All(before, s => Assert.Equal(HttpStatusCode.Created, s));

        var host = await Cluster.ClientOf(1).GetGrain<IManagementGrain>(0)
            .GetActivationAddress(Cluster.ClientOf(1).GetGrain<IShiftGrain>(shift));
        Assert.NotNull(host);
        var hosting = Enumerable.Range(0, 2).Single(i => Cluster.SiloService<ILocalSiloDetails>(i).SiloAddress.Equals(host));
        await Cluster.StopSiloAsync(hosting);

        // The frontend whose gateway was the stopped silo may still be moving over; use either.
        var after = await ShiftFixtures.SignUpAllAsync(Cluster, 1, shift, volunteers.Skip(10).Take(20));
        Assert.All(after, s => Assert.Equal(HttpStatusCode.Created, s));
        Assert.Equal((25, 25, "FULL"), await Database(shift));
        Assert.Equal(5, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @id AND status = 'WAITLISTED'", ("id", shift)));

        using var viaSurvivor = Cluster.Http(1, volunteers[0].AccessToken);
        var view = JsonDocument.Parse(await viaSurvivor.GetStringAsync($"/api/shifts/{shift}")).RootElement;
        Assert.Equal(25, view.GetProperty("currentVolunteers").GetInt32());
        Assert.Equal(5, view.GetProperty("waitlistCount").GetInt32());

        // The freed place goes to the first in line, as the activation on the surviving silo loaded it.
        var first = await Db.ScalarAsync<string>(
            "SELECT user_email FROM shift_signups WHERE shift_id = @id AND status = 'WAITLISTED' ORDER BY signup_order LIMIT 1", ("id", shift));
        var cancel = await Db.ScalarAsync<Guid>("SELECT id FROM shift_signups WHERE user_email = @e", ("e", volunteers[0].Email));
        Assert.Equal(HttpStatusCode.NoContent, (await viaSurvivor.DeleteAsync($"/api/shifts/{shift}/signups/{cancel}")).StatusCode);
        Assert.Equal((25, 25, "FULL"), await Database(shift));
        Assert.Equal("CONFIRMED", await Db.ScalarAsync<string>("SELECT status::text FROM shift_signups WHERE user_email = @e", ("e", first)));
        Assert.Equal(4, await Db.ScalarAsync<int>("SELECT waitlist_count FROM shifts WHERE id = @id", ("id", shift)));
    }

}
