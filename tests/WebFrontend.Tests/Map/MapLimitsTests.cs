using System.Net;
using System.Text;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Map;

/// <summary>The map's size limits, set small here: an upload over MAP_IMPORT_MAX_BYTES, a walk sheet over MAP_WALK_SHEET_MAX_DOORS.</summary>
public sealed class MapLimitsTests : ClusterTest
{
    private const int MaxImportBytes = 64 * 1024;
    private const int MaxWalkSheetDoors = 3;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["MAP_IMPORT_MAX_BYTES"] = MaxImportBytes.ToString(),
        ["MAP_WALK_SHEET_MAX_DOORS"] = MaxWalkSheetDoors.ToString(),
    };

    private async Task<(Guid Id, HttpClient Http)> Admin()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        var http = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, admin.Id, admin.Email, UserRole.MapAdmin));
        http.DefaultRequestHeaders.ExpectContinue = true;
        return (admin.Id, http);
    }

    [Fact]
    public async Task An_upload_over_the_import_limit_is_413_and_leaves_no_job_behind()
    {
        var (adminId, http) = await Admin();
        const string header = "Address,Latitude,Longitude\r\n";
        var csv = new StringBuilder(header);
        for (var i = 0; csv.Length <= MaxImportBytes; i++) csv.Append($"\"{i} Limit St\",53.{i:D6},-113.5\r\n");
        using var tooLarge = MapHttp.Multipart(("file", "doors.csv", Encoding.UTF8.GetBytes(csv.ToString())));
        await Problem.Expect(await http.PostAsync("/api/map/imports/csv", tooLarge), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE created_by_user_id = @u", ("u", adminId)));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM locations WHERE address LIKE '% Limit St'"));

        // Under the limit the same kind of upload is taken.
        using var small = MapHttp.Multipart(("file", "doors.csv", Encoding.UTF8.GetBytes(header + "\"1 Limit St\",53.5,-113.5\r\n")));
        var job = await http.WaitForJob(await (await http.PostAsync("/api/map/imports/csv", small)).Accepted());
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE created_by_user_id = @u", ("u", adminId)));
    }

    [Fact]
    public async Task A_walk_sheet_of_more_doors_than_the_limit_is_409_and_one_at_the_limit_prints()
    {
        var (_, http) = await Admin();
        var cut = await CanvassTestData.InsertCutAsync(Db, 60.0, -110.01, 60.01, -110.0, name: "Walk sheet limit");
        for (var i = 0; i < MaxWalkSheetDoors; i++) await CanvassTestData.InsertDoorAsync(Db, 60.001 + i * 0.001, -110.005, $"{i + 1} Sheet St");

        var atLimit = await http.GetAsync($"/api/map/cuts/{cut}/walk-sheet");
        Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);
        var html = await atLimit.Content.ReadAsStringAsync();
        for (var i = 0; i < MaxWalkSheetDoors; i++) Assert.Contains($">{i + 1} Sheet St<", html);

        await CanvassTestData.InsertDoorAsync(Db, 60.009, -110.005, "99 Sheet St");
        var problem = await Problem.Expect(await http.GetAsync($"/api/map/cuts/{cut}/walk-sheet"), HttpStatusCode.Conflict);
        Assert.Contains($"more than {MaxWalkSheetDoors} doors", problem.GetProperty("detail").GetString());
    }
}
