using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.Grains.Tests.Canvassing;

/// <summary>The hot paths' grain references (types resolved once) reach the very grain Orleans' own references reach.</summary>
public sealed class GrainReferenceTests(CanvassGrainFixture fx) : IClassFixture<CanvassGrainFixture>
{
    [Fact]
    public async Task A_session_started_through_a_remembered_reference_is_the_one_an_ordinary_reference_reaches()
    {
        // The first reference resolves and remembers the types; the later ones are built from them.
        fx.Grains.GetGrainById<ICanvassSessionGrain>(Ids.New());
        var id = Ids.New();
        var remembered = fx.Grains.GetGrainById<ICanvassSessionGrain>(id);
        var ordinary = fx.Grains.GetGrain<ICanvassSessionGrain>(id);
        Assert.Equal(ordinary.GetGrainId(), remembered.GetGrainId());

        var user = await TestUsers.CreateAsync(fx.Db, UserRole.User);
        var owner = new Caller(user.Id, false);
        await remembered.Start(owner, new StartSessionCommand(fx.CutId, null, null, null));
        var visit = await ordinary.RecordVisit(owner, new RecordVisitCommand(Guid.NewGuid(), fx.AddressInside, VisitOutcome.NotHome,
            null, null, null, null, null, null, false));
        Assert.True(visit.Created);
        Assert.Equal(CanvassSessionStatus.Completed, (await remembered.End(owner)).Status);
    }
}
