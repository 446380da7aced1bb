using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Map;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChangemakerLite.WebFrontend.Tests.Map;

/// <summary>NAR and CSV imports through the HTTP API, on register files written the way Statistics Canada ships them.</summary>
public sealed class MapImportTests(MapFixture f) : IClassFixture<MapFixture>
{
    /// <summary>A register sample whose rows each exercise one rule; <see cref="LineOf"/> gives each record's first physical line.</summary>
    private sealed class Sample(string? tag)
    {
        public readonly string Tag = tag ?? Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        public string Loc(int n) => $"{Tag}-LOC-{n}";
        public string Addr(int n) => $"{Tag}-ADDR-{n}";
        public readonly List<string> AddressRecords = [];
        public readonly List<string> LocationRecords = [];

        public long LineOf(int recordIndex) =>
            1 + AddressRecords.Take(recordIndex).Sum(r => r.Count(c => c == '\n') + 1);

        public byte[] AddressFile => MapHttp.Utf8Bom(string.Join("\r\n", AddressRecords) + "\r\n");
        public byte[] LocationFile => MapHttp.Utf8Bom(string.Join("\r\n", LocationRecords) + "\r\n");
    }

    /// <summary>The sample register; a newer release of an imported one reuses its <paramref name="tag"/>.</summary>
    private static Sample Register(double moveHouseBy = 0, string? tag = null)
    {
        var s = new Sample(tag);
        s.LocationRecords.Add(NarFiles.LocationHeader);
        s.LocationRecords.Add(NarFiles.LocationLine(new NarLocationRow(s.Loc(1), 53.55 + moveHouseBy, -113.50)));
        s.LocationRecords.Add(NarFiles.LocationLine(new NarLocationRow(s.Loc(2), 53.56, -113.51, "Edmonton \"Centre\", Strathcona")));
        s.LocationRecords.Add(NarFiles.LocationLine(new NarLocationRow(s.Loc(3), 45.50, -73.57, "Ville-Marie—Le Sud-Ouest—Île-des-Sœurs")));
        s.LocationRecords.Add(NarFiles.LocationLine(new NarLocationRow(s.Loc(4), null, null)));
        s.LocationRecords.Add(NarFiles.LocationLine(new NarLocationRow(s.Loc(5), 53.57, -113.52)));

        s.AddressRecords.Add(NarFiles.AddressHeader);                                                                           // 0
        s.AddressRecords.Add(NarFiles.AddressLine(new(s.Loc(1), s.Addr(1), null, "10210", "104", "AVE", "NW", PostalCode: "T5J1N3"))); // 1 house
        s.AddressRecords.Add(NarFiles.AddressLine(new(s.Loc(2), s.Addr(2), "101", "9930", "O'Brien \"The Tower\"", "ST", PostalCode: "T5K2J1"))); // 2
        s.AddressRecords.Add(NarFiles.AddressLine(new(s.Loc(2), s.Addr(3), "102", "9930", "O'Brien \"The Tower\"", "ST", PostalCode: "T5K2J1"))); // 3
        s.AddressRecords.Add(NarFiles.AddressLine(new(s.Loc(2), s.Addr(4), "", "9930", "O'Brien \"The Tower\"", "ST", PostalCode: "T5K2J1"))); // 4 empty unit
        s.AddressRecords.Add(NarFiles.AddressLine(new(s.Loc(3), s.Addr(5), null, "1455", "Sainte-Catherine", "RUE", "O", ProvCode: "24",
            City: "Montréal", PostalCode: "H3G1P5", WithMailStreet: false)));                                                     // 5 accents, French type first
        s.AddressRecords.Add(NarFiles.AddressLine(new(s.Loc(4), s.Addr(6), null, "77", "Whyte", "AVE", "NW", PostalCode: "T6E1Z1",
            Latitude: 53.5181, Longitude: -113.4977, NonCivic: "PO Box 9\nStation Main")));                                          // 6 location has no point: BG_X/BG_Y; a line break inside quotes
        s.AddressRecords.Add(NarFiles.AddressLine(new(s.Loc(5), s.Addr(7), null, "5", "Industrial", "RD", BuUse: 3, PostalCode: "T5J1N4"))); // 7 non-residential
        s.AddressRecords.Add($"{s.Loc(1)},{s.Addr(8)},too,few,columns");                                                        // 8 bad: columns
        s.AddressRecords.Add(NarFiles.AddressLine(new(s.Loc(1), s.Addr(9), null, "1", "Main", PostalCode: "T5J1N3")).Replace("Main", "Ma\"in")); // 9 bad: stray quote
        s.AddressRecords.Add(Blank(NarFiles.AddressLine(new(s.Tag + "-LOC-404", s.Addr(10), null, "2", "Ghost", PostalCode: "T5J1N3")).Split(',')));                                             // 10 bad: no point anywhere
        var badUse = NarFiles.AddressLine(new(s.Loc(1), s.Addr(11), null, "3", "Main", PostalCode: "T5J1N3"));
        s.AddressRecords.Add(badUse[..badUse.LastIndexOf(',')] + ",X");                                                          // 11 bad: BU_USE
        s.AddressRecords.Add(NarFiles.AddressLine(new(s.Loc(1), s.Addr(1), "B", "10210", "104", "AVE", "NW", PostalCode: "T5J1N3")));  // 12 bad: ADDR_GUID repeated
        s.AddressRecords.Add(NarFiles.AddressLine(new(s.Loc(1), s.Addr(13), null, "4", "Main", PostalCode: "T5J1N3")) + ",\"unterminated"); // 13 bad: quote never closed
        return s;

        // BG_X and BG_Y (columns 26 and 27) emptied.
        static string Blank(string[] fields)
        {
            fields[25] = "";
            fields[26] = "";
            return string.Join(',', fields);
        }
    }

    private async Task<Guid> StartNar(Sample s, string query = "", params (string Name, string Value)[] fields)
    {
        var content = MapHttp.Multipart(("addresses", "Address_48.csv", s.AddressFile), ("locations", "Location_48.csv", s.LocationFile));
        foreach (var (name, value) in fields) content.Add(new StringContent(value), name);
        return await (await f.Admin.PostAsync("/api/map/imports/nar" + query, content)).Accepted();
    }

    private Task<long> Count(string sql, Sample s) => f.Db.ScalarAsync<long>(sql, ("tag", s.Tag + "-%"));

    [Fact]
    public async Task A_register_imports_with_bad_rows_reported_by_line_and_imports_again_without_duplicates()
    {
        var s = Register();
        var job = await f.Admin.WaitForJob(await StartNar(s));
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(13, job.GetProperty("processed").GetInt64());
        Assert.Equal(job.GetProperty("processed").GetInt64(), job.GetProperty("total").GetInt64());

        var errors = job.GetProperty("errors").EnumerateArray()
            .Select(e => (Line: e.GetProperty("line").GetInt64(), Message: e.GetProperty("message").GetString()!)).ToList();
        Assert.All(errors, e => Assert.True(e.Line > 1));
        Assert.Contains(errors, e => e.Line == s.LineOf(8) && e.Message.Contains("columns"));
        Assert.Contains(errors, e => e.Line == s.LineOf(9) && e.Message.Contains("quote"));
        Assert.Contains(errors, e => e.Line == s.LineOf(10) && e.Message.Contains("no coordinates"));
        Assert.Contains(errors, e => e.Line == s.LineOf(11) && e.Message.Contains("BU_USE"));
        Assert.Contains(errors, e => e.Line == s.LineOf(12) && e.Message.Contains("repeats"));
        Assert.Contains(errors, e => e.Line == s.LineOf(13) && e.Message.Contains("not closed"));
        Assert.Equal(6, errors.Count);
        Assert.Equal("Address_48.csv", job.GetProperty("errors")[0].GetProperty("file").GetString());

        var result = job.GetProperty("result");
        Assert.Equal(4, result.GetProperty("locationsCreated").GetInt64());
        Assert.Equal(6, result.GetProperty("addressesCreated").GetInt64());
        Assert.Equal(1, result.GetProperty("filtered").GetInt64());
        Assert.Equal(4L, await Count("SELECT count(*) FROM locations WHERE loc_guid LIKE @tag", s));
        Assert.Equal(6L, await Count("SELECT count(*) FROM addresses WHERE addr_guid LIKE @tag", s));

        // The apartment: three units (one with no unit label), one building.
        var tower = await f.Db.ScalarAsync<int>("SELECT total_units FROM locations WHERE loc_guid = @g", ("g", s.Loc(2)));
        Assert.Equal(3, tower);
        Assert.Equal("MULTI_UNIT", await f.Db.ScalarAsync<string>("SELECT building_type::text FROM locations WHERE loc_guid = @g", ("g", s.Loc(2))));
        Assert.Equal(1L, await f.Db.ScalarAsync<long>("SELECT count(*) FROM addresses WHERE addr_guid = @g AND unit_number IS NULL", ("g", s.Addr(4))));
        Assert.Equal("9930 O'BRIEN \"THE TOWER\" ST, EDMONTON",
            await f.Db.ScalarAsync<string>("SELECT address FROM locations WHERE loc_guid = @g", ("g", s.Loc(2))));
        Assert.Equal("Edmonton \"Centre\", Strathcona", await f.Db.ScalarAsync<string>("SELECT federal_district FROM locations WHERE loc_guid = @g", ("g", s.Loc(2))));
        // Accents survive, the official street is used when the mail street is empty, the French type comes first.
        Assert.Equal("1455 RUE Sainte-Catherine O, MONTRÉAL", await f.Db.ScalarAsync<string>("SELECT address FROM locations WHERE loc_guid = @g", ("g", s.Loc(3))));
        Assert.Equal("QC", await f.Db.ScalarAsync<string>("SELECT province FROM locations WHERE loc_guid = @g", ("g", s.Loc(3))));
        Assert.Equal("H3G 1P5", await f.Db.ScalarAsync<string>("SELECT postal_code FROM locations WHERE loc_guid = @g", ("g", s.Loc(3))));
        // The location without a point got the address file's Lambert BG_X/BG_Y, projected back.
        Assert.Equal(53.5181, await f.Db.ScalarAsync<double>("SELECT latitude::float8 FROM locations WHERE loc_guid = @g", ("g", s.Loc(4))), 5);
        Assert.Equal(-113.4977, await f.Db.ScalarAsync<double>("SELECT longitude::float8 FROM locations WHERE loc_guid = @g", ("g", s.Loc(4))), 5);
        Assert.Equal(0L, await Count("SELECT count(*) FROM locations WHERE loc_guid LIKE @tag AND loc_guid LIKE '%-LOC-5'", s));

        var history = await Count("""
            SELECT count(*) FROM location_history h JOIN locations l ON l.id = h.location_id
            WHERE l.loc_guid LIKE @tag AND h.action = 'IMPORTED_NAR' AND h.user_id IS NOT NULL
            """, s);
        Assert.Equal(4L, history);

        // Again: same rows, nothing new, nothing rewritten.
        var again = await f.Admin.WaitForJob(await StartNar(s));
        Assert.Equal("completed", again.GetProperty("status").GetString());
        var second = again.GetProperty("result");
        Assert.Equal(0, second.GetProperty("locationsCreated").GetInt64());
        Assert.Equal(0, second.GetProperty("locationsUpdated").GetInt64());
        Assert.Equal(0, second.GetProperty("addressesCreated").GetInt64());
        Assert.Equal(0, second.GetProperty("addressesUpdated").GetInt64());
        Assert.Equal(6, second.GetProperty("unchanged").GetInt64());
        Assert.Equal(4L, await Count("SELECT count(*) FROM locations WHERE loc_guid LIKE @tag", s));
        Assert.Equal(6L, await Count("SELECT count(*) FROM addresses WHERE addr_guid LIKE @tag", s));
        Assert.Equal(history, await Count("SELECT count(*) FROM location_history h JOIN locations l ON l.id = h.location_id WHERE l.loc_guid LIKE @tag", s));

        // A newer release moved the house: the same row is updated and the move recorded.
        var moved = Register(moveHouseBy: 0.001, tag: s.Tag);
        var third = (await f.Admin.WaitForJob(await StartNar(moved))).GetProperty("result");
        Assert.Equal(1, third.GetProperty("locationsUpdated").GetInt64());
        Assert.Equal(4L, await Count("SELECT count(*) FROM locations WHERE loc_guid LIKE @tag", s));
        Assert.Equal(1L, await f.Db.ScalarAsync<long>("""
            SELECT count(*) FROM location_history h JOIN locations l ON l.id = h.location_id
            WHERE l.loc_guid = @g AND h.field = 'coordinates' AND h.old_value LIKE '53.55%' AND h.new_value LIKE '53.551%'
            """, ("g", s.Loc(1))));
        Assert.Equal(0L, await f.Db.ScalarAsync<long>("SELECT count(*) FROM map_import_chunks"));
    }

    [Fact]
    public async Task A_unit_a_newer_release_moves_to_another_building_is_counted_there_and_no_longer_in_the_old_one()
    {
        var s = Register();
        Assert.Equal("completed", (await f.Admin.WaitForJob(await StartNar(s))).GetProperty("status").GetString());
        Task<int> Units(int building) => f.Db.ScalarAsync<int>("SELECT total_units FROM locations WHERE loc_guid = @g", ("g", s.Loc(building)));
        Assert.Equal(3, await Units(2));
        Assert.Equal(1, await Units(1));

        // In the newer release the house's one address is unit 103 of the tower; the house keeps its point but no unit.
        var newer = Register(tag: s.Tag);
        newer.AddressRecords[1] = NarFiles.AddressLine(new(s.Loc(2), s.Addr(1), "103", "9930", "O'Brien \"The Tower\"", "ST", PostalCode: "T5K2J1"));
        var result = (await f.Admin.WaitForJob(await StartNar(newer))).GetProperty("result");
        Assert.Equal(1, result.GetProperty("addressesUpdated").GetInt64());
        Assert.Equal(0, result.GetProperty("addressesCreated").GetInt64());

        Assert.Equal(s.Loc(2), await f.Db.ScalarAsync<string>(
            "SELECT l.loc_guid FROM addresses a JOIN locations l ON l.id = a.location_id WHERE a.addr_guid = @g", ("g", s.Addr(1))));
        Assert.Equal(4, await Units(2));
        Assert.Equal(0, await Units(1));
        Assert.Equal(6L, await Count("SELECT count(*) FROM addresses WHERE addr_guid LIKE @tag", s));
    }

    [Fact]
    public async Task An_import_leaves_no_session_state_on_the_connections_other_writes_reuse()
    {
        // The importers turn synchronous_commit off and create temporary tables on their sessions. None of that may
        // reach the silo's shared pool, where the next connection might commit a signup the caller is told is durable.
        await f.Admin.WaitForJob(await StartNar(Register()));
        var pool = f.Cluster.SiloService<Npgsql.NpgsqlDataSource>(0);
        var connections = new List<Npgsql.NpgsqlConnection>();
        try
        {
            // Every connection the pool holds, at once (the pool keeps at most 30).
            for (var i = 0; i < 30; i++) connections.Add(await pool.OpenConnectionAsync());
            foreach (var connection in connections)
            {
                // "session" would mean a SET on this connection; the server's own setting (whatever it is) shows otherwise.
                Assert.NotEqual("session", await connection.Command("SELECT source FROM pg_settings WHERE name = 'synchronous_commit'").ScalarAsync<string>());
                Assert.Equal(0L, await connection.Command("SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()").ScalarAsync<long>());
            }
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task Province_postal_code_bbox_and_residential_filters_choose_the_rows()
    {
        var quebec = Register();
        await f.Admin.WaitForJob(await StartNar(quebec, "?province=QC"));
        Assert.Equal(1L, await Count("SELECT count(*) FROM locations WHERE loc_guid LIKE @tag", quebec));
        Assert.Equal("QC", await f.Db.ScalarAsync<string>("SELECT province FROM locations WHERE loc_guid LIKE @tag", ("tag", quebec.Tag + "-%")));

        var downtown = Register();
        await f.Admin.WaitForJob(await StartNar(downtown, fields: ("postalCode", "T5K")));
        Assert.Equal(3L, await Count("SELECT count(*) FROM addresses WHERE addr_guid LIKE @tag", downtown));

        var box = Register();
        await f.Admin.WaitForJob(await StartNar(box, fields: ("bbox", "-113.505,53.545,-113.495,53.555")));
        Assert.Equal(1L, await Count("SELECT count(*) FROM locations WHERE loc_guid LIKE @tag", box));
        Assert.Equal(box.Loc(1), await f.Db.ScalarAsync<string>("SELECT loc_guid FROM locations WHERE loc_guid LIKE @tag", ("tag", box.Tag + "-%")));

        var everything = Register();
        await f.Admin.WaitForJob(await StartNar(everything, fields: ("residentialOnly", "false")));
        Assert.Equal(5L, await Count("SELECT count(*) FROM locations WHERE loc_guid LIKE @tag", everything));
    }

    [Fact]
    public async Task Bad_uploads_are_refused_and_leave_nothing_behind()
    {
        var s = Register();
        var jobsBefore = await f.Db.ScalarAsync<long>("SELECT count(*) FROM jobs");

        var onlyAddresses = MapHttp.Multipart(("addresses", "Address_48.csv", s.AddressFile));
        Assert.Contains("locations", await (await f.Admin.PostAsync("/api/map/imports/nar", onlyAddresses)).ProblemFields());

        var badProvince = MapHttp.Multipart(("addresses", "Address_48.csv", s.AddressFile), ("locations", "Location_48.csv", s.LocationFile));
        badProvince.Add(new StringContent("ZZ"), "province");
        Assert.Contains("province", await (await f.Admin.PostAsync("/api/map/imports/nar", badProvince)).ProblemFields());

        var badBbox = MapHttp.Multipart(("addresses", "Address_48.csv", s.AddressFile), ("locations", "Location_48.csv", s.LocationFile));
        Assert.Contains("bbox", await (await f.Admin.PostAsync("/api/map/imports/nar?bbox=1,2", badBbox)).ProblemFields());

        var unknownPart = MapHttp.Multipart(("photo", "cat.jpg", [1, 2, 3]));
        Assert.Contains("photo", await (await f.Admin.PostAsync("/api/map/imports/nar", unknownPart)).ProblemFields());

        var json = await f.Admin.PostJson("/api/map/imports/nar", new { });
        await Problem.Expect(json, HttpStatusCode.UnsupportedMediaType);

        var emptyCsv = MapHttp.Multipart(("file", "doors.csv", []));
        await Problem.Expect(await f.Admin.PostAsync("/api/map/imports/csv", emptyCsv), HttpStatusCode.BadRequest);

        Assert.Equal(jobsBefore, await f.Db.ScalarAsync<long>("SELECT count(*) FROM jobs"));
        Assert.Equal(0L, await f.Db.ScalarAsync<long>("SELECT count(*) FROM map_import_files"));
        Assert.Equal(0L, await Count("SELECT count(*) FROM locations WHERE loc_guid LIKE @tag", s));
    }

    [Fact]
    public async Task A_larger_register_reports_progress_to_the_user_who_started_it_over_signalr()
    {
        var directory = Directory.CreateTempSubdirectory("nar");
        try
        {
            var addresses = Path.Combine(directory.FullName, "Address_48.csv");
            var locations = Path.Combine(directory.FullName, "Location_48.csv");
            await NarFiles.WriteSyntheticAsync(addresses, locations, 30_000, seed: 7, minLat: 60.0, minLng: -120.0, maxLat: 60.5, maxLng: -119.5);

            var token = f.Token(f.AdminId, UserRole.MapAdmin);
            await using var hub = f.Cluster.Hub(0, token);
            var events = new ConcurrentQueue<JsonElement>();
            hub.On<JsonElement>("jobProgress", e => events.Enqueue(e));
            await hub.StartAsync();

            await using var addressStream = File.OpenRead(addresses);
            await using var locationStream = File.OpenRead(locations);
            var content = new MultipartFormDataContent
            {
                { new StreamContent(addressStream), "addresses", "Address_48.csv" },
                { new StreamContent(locationStream), "locations", "Location_48.csv" },
            };
            var jobId = await (await f.Admin.PostAsync("/api/map/imports/nar", content)).Accepted();
            await hub.InvokeAsync("Subscribe", $"job:{jobId}");

            // Someone else may not watch it; an admin of another app neither.
            await using var other = f.Cluster.Hub(0, f.Token(f.CanvasserId, UserRole.User));
            await other.StartAsync();
            await Assert.ThrowsAsync<HubException>(() => other.InvokeAsync("Subscribe", $"job:{jobId}"));
            // A live connection lives only while its account matches its token: the influence admin is a real account.
            var influenceAdmin = await TestUsers.CreateAsync(f.Db, UserRole.InfluenceAdmin);
            await using var influence = f.Cluster.Hub(0, f.Token(influenceAdmin.Id, UserRole.InfluenceAdmin));
            await influence.StartAsync();
            await Assert.ThrowsAsync<HubException>(() => influence.InvokeAsync("Subscribe", $"job:{jobId}"));

            await Eventually.True(() => Task.FromResult(events.Any(e => e.GetProperty("status").GetString() == "completed")),
                "the completed jobProgress event", TimeSpan.FromSeconds(120));
            var done = events.Last(e => e.GetProperty("status").GetString() == "completed");
            Assert.Equal(jobId, done.GetProperty("jobId").GetGuid());
            Assert.Equal(30_000, done.GetProperty("processed").GetInt64());
            Assert.Equal(30_000, done.GetProperty("total").GetInt64());
            Assert.Equal(30_000L, await f.Db.ScalarAsync<long>(
                "SELECT count(*) FROM addresses a JOIN locations l ON l.id = a.location_id WHERE l.latitude BETWEEN 60 AND 60.5"));
            // Two batches were written at once by two writers; buildings cut by the batch boundary still count all their units.
            Assert.Equal(0L, await f.Db.ScalarAsync<long>("""
                SELECT count(*) FROM locations l WHERE l.latitude BETWEEN 60 AND 60.5
                  AND l.total_units IS DISTINCT FROM (SELECT count(*) FROM addresses a WHERE a.location_id = l.id)
                """));
            Assert.Equal(0L, await f.Db.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'map_nar_loc_%'"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_csv_of_doors_imports_updates_on_reimport_and_reports_bad_rows()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var csv = new StringBuilder()
            .Append("Address,Unit,Latitude,Longitude,Postal Code,First Name,Last Name,Email,Support Level,Sign,Notes\r\n")
            .Append($"\"1 {tag} Rd, Edmonton\",,49.1,-114.1,T5J 1N3,Ana,Ng,ana@example.org,1,yes,\"Likes \"\"signs\"\"\"\r\n")
            .Append($"\"2 {tag} Rd, Edmonton\",A,49.2,-114.2,T5J1N3,Émile,Côté,,LEVEL_3,no,\r\n")
            .Append($"\"2 {tag} Rd, Edmonton\",B,49.2,-114.2,,,,,,,\r\n")
            .Append($"\"3 {tag} Rd\",,95,-114.3,,,,,,,\r\n")
            .Append($"\"4 {tag} Rd\",,49.4,-114.4,D0D 0D0,,,,,,\r\n")
            .Append($"\"5 {tag} Rd\",,49.5,-114.5,,,,,9,,\r\n")
            .ToString();
        async Task<JsonElement> Import(string text) =>
            await f.Admin.WaitForJob(await (await f.Admin.PostAsync("/api/map/imports/csv",
                MapHttp.Multipart(("file", "doors.csv", MapHttp.Utf8Bom(text))))).Accepted());

        var job = await Import(csv);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        var lines = job.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt64()).ToArray();
        Assert.Equal([5L, 6L, 7L], lines);
        Assert.Equal(2, job.GetProperty("result").GetProperty("locationsCreated").GetInt64());
        Assert.Equal(3, job.GetProperty("result").GetProperty("addressesCreated").GetInt64());
        var first = await f.Db.ScalarAsync<string>(
            "SELECT a.notes FROM addresses a JOIN locations l ON l.id = a.location_id WHERE l.address = @a", ("a", $"1 {tag} Rd, Edmonton"));
        Assert.Equal("Likes \"signs\"", first);
        Assert.Equal("LEVEL_3", await f.Db.ScalarAsync<string>(
            "SELECT a.support_level::text FROM addresses a JOIN locations l ON l.id = a.location_id WHERE l.address = @a AND a.unit_number = 'A'",
            ("a", $"2 {tag} Rd, Edmonton")));
        Assert.Equal(1L, await f.Db.ScalarAsync<long>("""
            SELECT count(*) FROM location_history h JOIN locations l ON l.id = h.location_id
            WHERE l.address = @a AND h.action = 'IMPORTED_CSV' AND h.field IS NULL
            """, ("a", $"1 {tag} Rd, Edmonton")));

        var again = await Import(csv.Replace("Ana,Ng", "Anabel,Ng"));
        Assert.Equal(0, again.GetProperty("result").GetProperty("locationsCreated").GetInt64());
        Assert.Equal(0, again.GetProperty("result").GetProperty("addressesCreated").GetInt64());
        Assert.Equal(1, again.GetProperty("result").GetProperty("addressesUpdated").GetInt64());
        Assert.Equal("Anabel", await f.Db.ScalarAsync<string>(
            "SELECT a.first_name FROM addresses a JOIN locations l ON l.id = a.location_id WHERE l.address = @a", ("a", $"1 {tag} Rd, Edmonton")));
        Assert.Equal(3L, await f.Db.ScalarAsync<long>(
            "SELECT count(*) FROM addresses a JOIN locations l ON l.id = a.location_id WHERE l.address LIKE @a", ("a", $"% {tag} Rd%")));
    }
}
