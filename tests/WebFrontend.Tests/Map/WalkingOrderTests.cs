using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.WebFrontend.Map;

namespace ChangemakerLite.WebFrontend.Tests.Map;

public sealed class WalkingOrderTests
{
    private static CutAddressRow Row(string address, string? unit = null) =>
        new(Guid.NewGuid(), Guid.NewGuid(), address, unit, null, 0, 0, null, null, null, null, null, false, null, null, null);

    [Fact]
    public void Doors_go_street_by_street_odd_side_then_even_side_by_number_then_unit()
    {
        var rows = new[]
        {
            Row("12 Elm St, Town", "10"), Row("12 Elm St, Town", "9"), Row("3 Elm St, Town"), Row("11A Elm St, Town"), Row("11 Elm St, Town"),
            Row("4 Ash Ave, Town"), Row("101 1/2 Elm St, Town"), Row("RR 4, Town"),
        };
        var groups = WalkingOrder.GroupByStreet(rows);
        Assert.Equal(["Ash Ave", "Elm St", "RR 4"], groups.Select(g => g.Street).ToArray());
        var elm = groups.Single(g => g.Street == "Elm St");
        Assert.True(elm.Sides[0].Odd);
        Assert.Equal(["3 Elm St", "11 Elm St", "11A Elm St", "101 1/2 Elm St"], elm.Sides[0].Rows.Select(r => WalkingOrder.StreetLine(r.Address)).ToArray());
        Assert.False(elm.Sides[1].Odd);
        Assert.Equal(["9", "10"], elm.Sides[1].Rows.Select(r => r.UnitNumber ?? "").ToArray());
        Assert.Equal(new WalkingOrder.Parsed("Elm St", 101, "1/2"), WalkingOrder.Parse("101 1/2 Elm St, Town"));
    }
}
