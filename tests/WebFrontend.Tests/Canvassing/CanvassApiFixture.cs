using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Canvassing;

/// <summary>
/// One silo and one frontend for a test class, with a cut of nine doors (a 3×3 block) and one door
/// outside it. Tests sign in as fresh users so they never share a session.
/// </summary>
public sealed class CanvassApiFixture : ClusterTest
{
    public const double MinLat = 53.50, MinLng = -113.51, MaxLat = 53.51, MaxLng = -113.50;

    public Guid CutId { get; private set; }
    public Guid PrivateCutId { get; private set; }
    public List<Guid> Doors { get; } = [];
    public Guid DoorOutside { get; private set; }

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["CANVASS_CUT_PROGRESS_SECONDS"] = "0.2" };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        CutId = await CanvassTestData.InsertCutAsync(Db, MinLat, MinLng, MaxLat, MaxLng);
        PrivateCutId = await CanvassTestData.InsertCutAsync(Db, MinLat, MinLng, MaxLat, MaxLng, isPublic: false, name: "Private");
        for (var row = 0; row < 3; row++)
            for (var column = 0; column < 3; column++)
                Doors.Add(await CanvassTestData.InsertDoorAsync(Db, 53.502 + row * 0.003, -113.508 + column * 0.003, $"{100 + 2 * column + row} Row {row} Ave"));
        DoorOutside = await CanvassTestData.InsertDoorAsync(Db, 53.52, -113.505, "1 Far Away Rd");
    }


    private int _ownCuts;

    /// <summary>
    /// A cut of the test's own, laid out like <see cref="CutId"/> (a 3×3 block of doors) but further north, so counts
    /// over the cut (progress, stats) are the test's alone. <c>Lat</c> is how far north of the shared cut it lies.
    /// </summary>
    public async Task<(Guid Cut, List<Guid> Doors, double Lat)> OwnCutAsync()
    {
        var north = 0.1 * Interlocked.Increment(ref _ownCuts);
        var cut = await CanvassTestData.InsertCutAsync(Db, MinLat + north, MinLng, MaxLat + north, MaxLng, name: $"Own cut {north}");
        var doors = new List<Guid>();
        for (var row = 0; row < 3; row++)
            for (var column = 0; column < 3; column++)
                doors.Add(await CanvassTestData.InsertDoorAsync(Db, 53.502 + north + row * 0.003, -113.508 + column * 0.003, $"{100 + 2 * column + row} Row {row} St"));
        return (cut, doors, north);
    }

    public async Task<(TestUser User, CanvassClient Client)> SignInAsync(UserRole role = UserRole.User)
    {
        var user = await TestUsers.CreateAsync(Db, role);
        var token = TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, role);
        return (user with { AccessToken = token }, new CanvassClient(Cluster.Http(0, token)));
    }

    public Task<long> CountAsync(string table, string where, params (string, object?)[] parameters) =>
        Db.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE {where}", parameters);
}
