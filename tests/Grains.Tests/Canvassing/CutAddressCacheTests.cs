using System.Globalization;
using ChangemakerLite.Grains.Canvassing;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>The doors a silo holds for a cut, as visits see them when the cut is redrawn.</summary>
public sealed class CutAddressCacheTests(CanvassGrainFixture fx) : IClassFixture<CanvassGrainFixture>
{
    private static RecordVisitCommand VisitTo(Guid door) =>
        new(Guid.NewGuid(), door, VisitOutcome.NotHome, null, null, null, null, null, null, false);

    [Fact]
    public async Task A_door_a_redrawn_cut_leaves_out_is_refused_once_the_cut_is_read_again_and_visits_go_on_meanwhile()
    {
        var user = await TestUsers.CreateAsync(fx.Db, UserRole.User);
        var owner = new Caller(user.Id, false);
        var grain = fx.Grains.GetGrain<ICanvassSessionGrain>(Ids.New());
        await grain.Start(owner, new StartSessionCommand(fx.CutId, null, null, null));
        Assert.True((await grain.RecordVisit(owner, VisitTo(fx.AddressInside))).Created);

        // The cut is redrawn a kilometre north: its one door now lies outside.
        string P(double lng, double lat) => string.Create(CultureInfo.InvariantCulture, $"[{lng},{lat}]");
        await fx.Db.ExecuteAsync($$"""
            UPDATE cuts SET geojson = '{"type":"Polygon","coordinates":[[{{P(-113.51, 53.52)}},{{P(-113.50, 53.52)}},{{P(-113.50, 53.53)}},{{P(-113.51, 53.53)}},{{P(-113.51, 53.52)}}]]}'::jsonb,
                            min_lat = 53.52, max_lat = 53.53
            WHERE id = @id
            """, ("id", fx.CutId));

        // Past the time a silo keeps a cut's doors, visits are answered from what it holds while it reads the cut
        // again, and the redrawn cut applies as soon as that read is in.
        fx.Clock.Advance(CutAddressCache.Ttl + TimeSpan.FromSeconds(1));
        Assert.True((await grain.RecordVisit(owner, VisitTo(fx.AddressInside))).Created);
        DomainException? refused = null;
        await Eventually.True(async () =>
        {
            try
            {
                await grain.RecordVisit(owner, VisitTo(fx.AddressInside));
                return false;
            }
            catch (DomainException ex)
            {
                refused = ex;
                return true;
            }
        }, "a visit to the door the redrawn cut leaves out is refused", TimeSpan.FromSeconds(10));
        Assert.Equal(DomainErrorKind.Invalid, refused!.Kind);
        Assert.Equal("addressId", refused.Field);
        Assert.Contains("outside", refused.Message);
    }
}
