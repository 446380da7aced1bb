using System.Net;
using ChangemakerLite.TestSupport;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Map;

namespace ChangemakerLite.WebFrontend.Tests.Map;

/// <summary>Cuts: polygon validation, bounds, the locations inside, walk sheets, the export gate, completion; and map settings.</summary>
public sealed class MapCutTests(MapFixture f) : IClassFixture<MapFixture>
{
    // A 0.1° square around (10.05, 20.05) with a hole in its north-east corner.
    private static object SquareWithHole(double lat0, double lng0) => new
    {
        type = "Polygon",
        coordinates = new[]
        {
            new[] { new[] { lng0, lat0 }, new[] { lng0 + 0.1, lat0 }, new[] { lng0 + 0.1, lat0 + 0.1 }, new[] { lng0, lat0 + 0.1 }, new[] { lng0, lat0 } },
            new[] { new[] { lng0 + 0.06, lat0 + 0.06 }, new[] { lng0 + 0.09, lat0 + 0.06 }, new[] { lng0 + 0.09, lat0 + 0.09 }, new[] { lng0 + 0.06, lat0 + 0.09 }, new[] { lng0 + 0.06, lat0 + 0.06 } },
        },
    };

    private async Task<Guid> Location(double lat, double lng, string address, params string?[] units)
    {
        var id = (await (await f.Admin.PostJson("/api/map/locations", new { latitude = lat, longitude = lng, address }))
            .Json(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        foreach (var unit in units)
            await (await f.Admin.PostJson($"/api/map/locations/{id}/addresses", new { unitNumber = unit, firstName = "Dana <b>", lastName = "O'Neil" }))
                .Json(HttpStatusCode.Created);
        return id;
    }

    private async Task<JsonElement> CreateCut(object body) => await (await f.Admin.PostJson("/api/map/cuts", body)).Json(HttpStatusCode.Created);

    [Fact]
    public async Task Invalid_polygons_are_400s_naming_the_field()
    {
        async Task<string[]> Fields(object geojson) => await (await f.Admin.PostJson("/api/map/cuts", new { name = "Bad", geojson })).ProblemFields();

        Assert.Contains("geojson.coordinates[0]", await Fields(new { type = "Polygon", coordinates = new[] { new[] { new[] { 0.0, 0 }, new[] { 1.0, 0 }, new[] { 1.0, 1 }, new[] { 0.0, 1 } } } }));
        Assert.Contains("geojson.coordinates[0]", await Fields(new { type = "Polygon", coordinates = new[] { new[] { new[] { 0.0, 0 }, new[] { 1.0, 0 }, new[] { 0.0, 0 } } } }));
        Assert.Contains("geojson.coordinates[0][1][1]", await Fields(new { type = "Polygon", coordinates = new[] { new[] { new[] { 0.0, 0 }, new[] { 1.0, 95 }, new[] { 1.0, 1 }, new[] { 0.0, 0 } } } }));
        Assert.Contains("geojson.coordinates[0][2][0]", await Fields(new { type = "Polygon", coordinates = new[] { new[] { new[] { 0.0, 0 }, new[] { 1.0, 0 }, new[] { 181.0, 1 }, new[] { 0.0, 0 } } } }));
        Assert.Contains("geojson.type", await Fields(new { type = "Point", coordinates = new[] { 1.0, 2.0 } }));
        Assert.Contains("geojson.coordinates", await Fields(new { type = "Polygon" }));
        Assert.Contains("geojson.coordinates[1][0]", await Fields(new
        {
            type = "MultiPolygon",
            coordinates = new object[]
            {
                new[] { new[] { new[] { 0.0, 0 }, new[] { 1.0, 0 }, new[] { 1.0, 1 }, new[] { 0.0, 0 } } },
                new[] { new[] { new[] { 5.0, 5 }, new[] { 6.0, 5 }, new[] { 6.0, 6 } } },
            },
        }));
        Assert.Contains("geojson", await (await f.Admin.PostJson("/api/map/cuts", new { name = "No shape" })).ProblemFields());
        Assert.Contains("name", await (await f.Admin.PostJson("/api/map/cuts", new { geojson = SquareWithHole(0, 0) })).ProblemFields());
        Assert.Contains("color", await (await f.Admin.PostJson("/api/map/cuts", new { name = "C", geojson = SquareWithHole(0, 0), color = "red" })).ProblemFields());
        Assert.Contains("opacity", await (await f.Admin.PostJson("/api/map/cuts", new { name = "C", geojson = SquareWithHole(0, 0), opacity = 2 })).ProblemFields());
        Assert.Equal(0L, await f.Db.ScalarAsync<long>("SELECT count(*) FROM cuts WHERE name IN ('Bad', 'No shape', 'C')"));
    }

    [Fact]
    public async Task A_cut_stores_its_bounds_and_answers_the_locations_inside_its_polygon()
    {
        var inside = await Location(10.02, 20.02, "1 Inside St");
        var inHole = await Location(10.07, 20.07, "2 Hole St");
        var inBoxOnly = await Location(10.15, 20.05, "3 Outside St");
        var cut = await CreateCut(new { name = "Square", geojson = SquareWithHole(10, 20), category = "WARD", isPublic = true });
        var id = cut.GetProperty("id").GetGuid();
        Assert.Equal(10, cut.GetProperty("bounds").GetProperty("minLat").GetDouble(), 6);
        Assert.Equal(20.1, cut.GetProperty("bounds").GetProperty("maxLng").GetDouble(), 6);
        Assert.Equal("Polygon", cut.GetProperty("geojson").GetProperty("type").GetString());
        Assert.Equal(10.1, await f.Db.ScalarAsync<double>("SELECT max_lat::float8 FROM cuts WHERE id = @id", ("id", id)), 6);
        Assert.Equal(20.1, await f.Db.ScalarAsync<double>("SELECT (bounds->>'maxLng')::float8 FROM cuts WHERE id = @id", ("id", id)), 6);

        var located = await (await f.Canvasser.GetAsync($"/api/map/cuts/{id}/locations")).Json(HttpStatusCode.OK);
        var ids = located.GetProperty("items").EnumerateArray().Select(l => l.GetProperty("id").GetGuid()).ToList();
        Assert.Contains(inside, ids);
        Assert.DoesNotContain(inHole, ids);
        Assert.DoesNotContain(inBoxOnly, ids);
        Assert.Equal(1, located.GetProperty("total").GetInt64());

        var filtered = await (await f.Admin.GetAsync($"/api/map/locations?cutId={id}")).Json(HttpStatusCode.OK);
        Assert.Equal([inside], filtered.GetProperty("items").EnumerateArray().Select(l => l.GetProperty("id").GetGuid()).ToArray());

        // Redrawing the cut moves its bounds and what is inside.
        await (await f.Admin.PatchJson($"/api/map/cuts/{id}", new { geojson = SquareWithHole(10.1, 20) })).Json(HttpStatusCode.OK);
        var moved = await (await f.Admin.GetAsync($"/api/map/cuts/{id}/locations")).Json(HttpStatusCode.OK);
        Assert.Equal([inBoxOnly], moved.GetProperty("items").EnumerateArray().Select(l => l.GetProperty("id").GetGuid()).ToArray());
    }

    [Fact]
    public async Task The_inside_query_reads_the_location_point_index()
    {
        // The area read must not scan every location: the planner is asked, with sequential scans priced out of reach.
        await using var connection = await f.Db.DataSource.OpenConnectionAsync();
        await using (var off = connection.CreateCommand())
        {
            off.CommandText = "SET enable_seqscan = off";
            await off.ExecuteNonQueryAsync();
        }
        await using var command = connection.CreateCommand();
        command.CommandText = """
            EXPLAIN SELECT l.id FROM locations l
            WHERE point(l.longitude::float8, l.latitude::float8) <@ box(point(-113.6, 53.4), point(-113.4, 53.6))
            """;
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        Assert.Contains(plan, line => line.Contains("locations_point_gist_idx"));
    }

    [Fact]
    public async Task Canvassers_see_public_cuts_and_admins_see_all()
    {
        var open = (await CreateCut(new { name = "Public turf", geojson = SquareWithHole(30, 30), isPublic = true })).GetProperty("id").GetGuid();
        var hidden = (await CreateCut(new { name = "Private turf", geojson = SquareWithHole(31, 31) })).GetProperty("id").GetGuid();

        var seenByCanvasser = (await (await f.Canvasser.GetAsync("/api/map/cuts?pageSize=500")).Json(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToList();
        Assert.Contains(open, seenByCanvasser);
        Assert.DoesNotContain(hidden, seenByCanvasser);
        var seenByAdmin = (await (await f.Admin.GetAsync("/api/map/cuts?pageSize=500")).Json(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToList();
        Assert.Contains(hidden, seenByAdmin);
        await Problem.Expect(await f.Canvasser.GetAsync($"/api/map/cuts/{hidden}/locations"), HttpStatusCode.NotFound);
        await Problem.Expect(await f.Canvasser.GetAsync($"/api/map/cuts/{open}"), HttpStatusCode.Forbidden);
        await Problem.Expect(await f.Anonymous.GetAsync("/api/map/cuts"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_walk_sheet_prints_settings_qr_codes_and_doors_in_walking_order()
    {
        await (await f.Admin.PutAsJsonAsync("/api/map/settings", new
        {
            walkSheetTitle = "Ward 6 <Doors>", walkSheetSubtitle = "Saturday blitz", walkSheetFooter = "Call 555-0100 & thanks",
            qrCode1Url = "https://example.org/volunteer", qrCode1Label = "Volunteer portal",
            qrCode2Url = "https://example.org/shifts?x=1&y=2", qrCode2Label = "Shifts",
        })).Json(HttpStatusCode.OK);
        await Location(40.01, 40.01, "12 Elm St, Town", "2", "1");
        await Location(40.02, 40.02, "11 Elm St, Town");
        await Location(40.03, 40.03, "3 Elm St, Town");
        await Location(40.04, 40.04, "4 Ash Ave, Town");
        var cut = await CreateCut(new { name = "Elm & Ash <script>", geojson = SquareWithHole(40, 40) });

        var response = await f.Admin.GetAsync($"/api/map/cuts/{cut.GetProperty("id").GetGuid()}/walk-sheet");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Ward 6 &lt;Doors&gt;", html);
        Assert.Contains("Saturday blitz", html);
        Assert.Contains("Call 555-0100 &amp; thanks", html);
        Assert.Contains("Elm &amp; Ash &lt;script&gt;", html);
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("Dana &lt;b&gt;", html);
        Assert.Contains("O&#39;Neil", html);
        Assert.Equal(2, html.Split("src=\"data:image/png;base64,").Length - 1);
        Assert.Contains("Volunteer portal", html);
        var png = html.Split("src=\"data:image/png;base64,")[1].Split('"')[0];
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], Convert.FromBase64String(png)[..4]);

        // Ash Ave before Elm St; on Elm St the odd side (3, 11) then the even side (12, units 1 then 2).
        int At(string text, int from = 0) => html.IndexOf(text, from, StringComparison.Ordinal);
        var elm = At("<h2>Elm St</h2>");
        Assert.True(At("<h2>Ash Ave</h2>") is >= 0 and var ash && ash < elm);
        Assert.True(At("Odd side", elm) < At(">3 Elm St<"));
        Assert.True(At(">3 Elm St<") < At(">11 Elm St<"));
        Assert.True(At(">11 Elm St<") < At("Even side", elm));
        Assert.True(At("Even side", elm) < At(">12 Elm St<"));
        var twelve = At(">12 Elm St<");
        Assert.True(html.IndexOf("<td>1</td>", twelve, StringComparison.Ordinal) < html.IndexOf("<td>2</td>", twelve, StringComparison.Ordinal));
        Assert.Contains("Not home", html);
    }

    [Fact]
    public async Task Deleting_a_cut_keeps_its_doors_and_detaches_its_shifts()
    {
        var inside = await Location(30.05, 30.05, "5 Gone Cres, Town");
        var cut = (await CreateCut(new { name = "To delete", geojson = SquareWithHole(30, 30) })).GetProperty("id").GetGuid();
        var shift = (await (await f.Admin.PostJson("/api/shifts", new
        {
            title = "Doors in the deleted cut", date = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(9).ToString("yyyy-MM-dd"),
            startTime = "10:00", endTime = "12:00", maxVolunteers = 4, cutId = cut,
        })).Json(HttpStatusCode.Created)).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.NoContent, (await f.Admin.DeleteAsync($"/api/map/cuts/{cut}")).StatusCode);
        await (await f.Admin.GetAsync($"/api/map/cuts/{cut}")).Json(HttpStatusCode.NotFound);
        await (await f.Admin.DeleteAsync($"/api/map/cuts/{cut}")).Json(HttpStatusCode.NotFound);
        await (await f.Admin.GetAsync($"/api/map/cuts/{cut}/locations")).Json(HttpStatusCode.NotFound);
        var cuts = await (await f.Admin.GetAsync("/api/map/cuts?pageSize=500")).Json(HttpStatusCode.OK);
        Assert.DoesNotContain(cuts.GetProperty("items").EnumerateArray(), c => c.GetProperty("id").GetGuid() == cut);
        Assert.Equal(0L, await f.Db.ScalarAsync<long>("SELECT count(*) FROM cuts WHERE id = @id", ("id", cut)));

        // The doors were never the cut's: they stay. The shift stays too, without its cut.
        await (await f.Admin.GetAsync($"/api/map/locations/{inside}")).Json(HttpStatusCode.OK);
        Assert.Null(await f.Db.ScalarAsync<Guid?>("SELECT cut_id FROM shifts WHERE id = @id", ("id", shift)));
        var listed = await (await f.Admin.GetAsync($"/api/shifts?cutId={cut}")).Json(HttpStatusCode.OK);
        Assert.Equal(0, listed.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Export_is_a_csv_only_when_the_cut_allows_it()
    {
        await Location(50.01, 50.01, "=HYPERLINK(\"x\"), Town", "A");
        var cut = await CreateCut(new { name = "Export me", geojson = SquareWithHole(50, 50), exportEnabled = false });
        var id = cut.GetProperty("id").GetGuid();

        var refused = await f.Admin.GetAsync($"/api/map/cuts/{id}/export");
        var problem = await refused.Json(HttpStatusCode.Conflict);
        Assert.Contains("exportEnabled", problem.GetProperty("detail").GetString());

        await (await f.Admin.PatchJson($"/api/map/cuts/{id}", new { exportEnabled = true })).Json(HttpStatusCode.OK);
        var export = await f.Admin.GetAsync($"/api/map/cuts/{id}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var lines = (await export.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("location_id,address_id,address,unit,", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"'=HYPERLINK(\"\"x\"\"), Town\",A,", lines[1]);
        Assert.Contains(",50.01,50.01,", lines[1]);
    }

    [Fact]
    public async Task Concurrent_exports_of_a_large_cut_each_stream_every_door()
    {
        // 4,000 buildings of one unit each on a 0.05° square of their own: many stream batches per export.
        await f.Db.ExecuteAsync("""
            WITH l AS (
                INSERT INTO locations (id, latitude, longitude, address)
                SELECT gen_random_uuid(), 70 + (g / 64) * 0.0007, 70 + (g % 64) * 0.0007, g || ' Export Row'
                FROM generate_series(0, 3999) g
                RETURNING id)
            INSERT INTO addresses (id, location_id, unit_number) SELECT gen_random_uuid(), id, '1' FROM l
            """);
        var square = new { type = "Polygon", coordinates = new[] { new[] {
            new[] { 69.99, 69.99 }, new[] { 70.05, 69.99 }, new[] { 70.05, 70.05 }, new[] { 69.99, 70.05 }, new[] { 69.99, 69.99 } } } };
        var id = (await CreateCut(new { name = "Export in parallel", geojson = square, exportEnabled = true })).GetProperty("id").GetGuid();

        var exports = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var response = await f.Admin.GetAsync($"/api/map/cuts/{id}/export");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        }));
        Assert.All(exports, lines =>
        {
            Assert.Equal(4001, lines.Length);
            Assert.Equal(4000, lines.Skip(1).Select(l => l.Split(',')[1]).Distinct().Count());
        });
    }

    [Fact]
    public async Task Completion_is_computed_from_canvass_visits_inside_the_cut()
    {
        var building = await Location(60.01, 60.01, "1 Visit St", "1", "2", "3", "4");
        var cut = await CreateCut(new { name = "Visited", geojson = SquareWithHole(60, 60) });
        var cutId = cut.GetProperty("id").GetGuid();
        var units = (await (await f.Admin.GetAsync($"/api/map/locations/{building}/addresses")).Json(HttpStatusCode.OK))
            .EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ToArray();
        var session = Guid.NewGuid();
        await f.Db.ExecuteAsync("INSERT INTO canvass_sessions (id, user_id, cut_id) VALUES (@id, @user, @cut)", ("id", session), ("user", f.CanvasserId), ("cut", cutId));
        foreach (var unit in units.Take(3))
            await f.Db.ExecuteAsync("""
                INSERT INTO canvass_visits (id, address_id, user_id, session_id, cut_id, outcome, visited_at)
                VALUES (gen_random_uuid(), @address, @user, @session, @cut, 'NOT_HOME', '2026-11-01T15:00:00Z')
                """, ("address", unit), ("user", f.CanvasserId), ("session", session), ("cut", cutId));
        // A door visited twice counts once; a visit made for another cut does not count for this one.
        var otherCut = (await CreateCut(new { name = "Elsewhere", geojson = SquareWithHole(61, 61) })).GetProperty("id").GetGuid();
        foreach (var (unit, visitCut) in new[] { (units[0], cutId), (units[3], otherCut) })
            await f.Db.ExecuteAsync("""
                INSERT INTO canvass_visits (id, address_id, user_id, session_id, cut_id, outcome, visited_at)
                VALUES (gen_random_uuid(), @address, @user, @session, @cut, 'NOT_HOME', '2026-11-01T14:00:00Z')
                """, ("address", unit), ("user", f.CanvasserId), ("session", session), ("cut", visitCut));

        var client = f.Cluster.ClientOf(0);
        var completion = await client.GetGrain<IMapQueryGrain>(0).ComputeCutCompletion(cutId);
        Assert.Equal(4, completion.TotalAddresses);
        Assert.Equal(3, completion.VisitedAddresses);
        Assert.Equal(75, completion.CompletionPercentage);
        // The cut's progress grain counts the same way and stores the figures on the cut.
        Assert.Equal(75, await client.GetGrain<ICutProgressGrain>(cutId).RefreshNow());
        var stored = await (await f.Admin.GetAsync($"/api/map/cuts/{cutId}")).Json(HttpStatusCode.OK);
        Assert.Equal(75, stored.GetProperty("completionPercentage").GetInt32());
        Assert.Equal(new DateTime(2026, 11, 1, 15, 0, 0, DateTimeKind.Utc), stored.GetProperty("lastCanvassed").GetDateTime().ToUniversalTime());
    }

    [Fact]
    public async Task Map_settings_are_a_singleton_read_by_anyone_signed_in_and_written_by_map_admins()
    {
        var first = await (await f.Canvasser.GetAsync("/api/map/settings")).Json(HttpStatusCode.OK);
        Assert.True(first.GetProperty("zoom").GetInt32() > 0);
        await (await f.Super.PutAsJsonAsync("/api/map/settings", new { latitude = 51.05, longitude = -114.07, zoom = 12, walkSheetTitle = "Calgary" }))
            .Json(HttpStatusCode.OK);
        await (await f.Admin.PutAsJsonAsync("/api/map/settings", new { latitude = 51.05, longitude = -114.07, zoom = 13, walkSheetTitle = "Calgary 2" }))
            .Json(HttpStatusCode.OK);
        var read = await (await f.Canvasser.GetAsync("/api/map/settings")).Json(HttpStatusCode.OK);
        Assert.Equal(13, read.GetProperty("zoom").GetInt32());
        Assert.Equal("Calgary 2", read.GetProperty("walkSheetTitle").GetString());
        Assert.Equal(1L, await f.Db.ScalarAsync<long>("SELECT count(*) FROM map_settings"));

        await Problem.Expect(await f.Canvasser.PutAsJsonAsync("/api/map/settings", new { zoom = 3 }), HttpStatusCode.Forbidden);
        Assert.Contains("zoom", await (await f.Admin.PutAsJsonAsync("/api/map/settings", new { zoom = 40 })).ProblemFields());
        Assert.Contains("qrCode1Url", await (await f.Admin.PutAsJsonAsync("/api/map/settings", new { qrCode1Url = "javascript:alert(1)" })).ProblemFields());
        Assert.Equal(13, (await (await f.Canvasser.GetAsync("/api/map/settings")).Json(HttpStatusCode.OK)).GetProperty("zoom").GetInt32());
    }
}
