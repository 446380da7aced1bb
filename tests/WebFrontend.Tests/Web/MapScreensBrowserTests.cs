using System.Globalization;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Map;
using OpenQA.Selenium;
using OpenQA.Selenium.Interactions;
using Xunit.Abstractions;

namespace ChangemakerLite.WebFrontend.Tests.Web;

/// <summary>
/// The admin console's map screens in a real browser (headless Chromium) against a running cluster: an admin draws a
/// cut by clicking its corners, places and edits a location on the map and from an address, imports National Address
/// Register files and sees the counts, and watches 5,000 canvassers on the live canvass map. One browser and one
/// cluster for the class; a screenshot of each screen goes to <see cref="Browser.ScreenshotFolder"/>.
/// </summary>
public sealed class MapScreensBrowserTests(Browser browser, ITestOutputHelper output) : ClusterTest, IClassFixture<Browser>
{
    private FakeGeocoders Geocoders => (FakeGeocoders)Companion!;

    protected override Task<IAsyncDisposable?> StartCompanionAsync() => FakeGeocoders.StartAsync().ContinueWith(t => (IAsyncDisposable?)t.Result);

    protected override IDictionary<string, string?>? Settings
    {
        get
        {
            var settings = Geocoders.Settings("NOMINATIM");
            // No tile server: the map screens draw on their plain background.
            settings["MAP_TILE_URL"] = "";
            return settings;
        }
    }

    private IWebDriver Driver => browser.Driver;

    private string Url(string path) => new Uri(Cluster.FrontendUri(0), path).ToString();

    [Fact]
    public async Task An_admin_draws_a_cut_by_clicking_four_corners_saves_it_edits_it_and_deletes_it()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        var name = $"Riverside {Guid.NewGuid():N}"[..20];
        browser.SignIn(Url("/app#/cuts"), admin);
        browser.Wait("#admin-nav a[href='#/cuts']").Click();
        browser.Wait("#new-cut").Click();
        // Saved before any corner: said in words, nothing stored.
        browser.Fill("#cut-form input[name=name]", name);
        browser.Wait("#cut-form button[type=submit]").Click();
        Assert.Contains("at least three corners", browser.Wait("#cut-form .msg-error").Text);
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM cuts WHERE name = @name", ("name", name)));
        var map = browser.Wait("#cuts-map");
        browser.Script("arguments[0].scrollIntoView({ block: 'center' })", map);
        foreach (var (x, y) in new[] { (-70, -60), (70, -60), (70, 60), (-70, 60) })
            new Actions(Driver).MoveToElement(map, x, y).Click().Perform();
        browser.Until(() => browser.Wait("#cut-shape-state").GetDomAttribute("data-corners") == "4", "four corners drawn");
        browser.Screenshot("admin-cuts-drawing");
        browser.Wait("#finish-shape").Click();
        browser.Fill("#cut-form input[name=name]", name);
        browser.Fill("#cut-form textarea[name=description]", "North of the river");
        browser.Wait("#cut-form button[type=submit]").Click();
        var details = browser.Wait("#cut-details");
        var cutId = Guid.Parse(details.GetDomAttribute("data-cut-id")!);

        var stored = JsonDocument.Parse(await Db.ScalarAsync<string>("SELECT geojson::text FROM cuts WHERE id = @id AND name = @name AND created_by_user_id = @u",
            ("id", cutId), ("name", name), ("u", admin.Id))
            ?? throw new InvalidOperationException("the cut is not stored"));
        Assert.Equal("Polygon", stored.RootElement.GetProperty("type").GetString());
        var ring = stored.RootElement.GetProperty("coordinates")[0].EnumerateArray().ToList();
        Assert.Equal(5, ring.Count); // four corners and the closing repeat
        Assert.Equal(ring[0].ToString(), ring[4].ToString());
        Assert.Equal("North of the river", await Db.ScalarAsync<string>("SELECT description FROM cuts WHERE id = @id", ("id", cutId)));
        // Shown: in the list, on the map, with its progress.
        browser.Wait($"#cuts-list li[data-cut-id='{cutId}']");
        browser.Until(() => browser.All("#cuts-map path.leaflet-interactive").Count >= 1, "the cut drawn on the map");
        browser.Until(() => browser.All("#cut-completion").Count == 1, "the cut's progress", describe: () => browser.Wait("#cut-panel").Text);
        Assert.Equal("0%", browser.Wait("#cut-completion").Text);
        // Its buildings on the map: two inside, one outside.
        var (minLat, minLng, maxLat, maxLng) = (await Db.ScalarAsync<double>("SELECT min_lat::float8 FROM cuts WHERE id = @id", ("id", cutId)),
            await Db.ScalarAsync<double>("SELECT min_lng::float8 FROM cuts WHERE id = @id", ("id", cutId)),
            await Db.ScalarAsync<double>("SELECT max_lat::float8 FROM cuts WHERE id = @id", ("id", cutId)),
            await Db.ScalarAsync<double>("SELECT max_lng::float8 FROM cuts WHERE id = @id", ("id", cutId)));
        var (midLat, midLng) = ((minLat + maxLat) / 2, (minLng + maxLng) / 2);
        await CanvassTestData.InsertLocationAsync(Db, midLat, midLng, "1 Inside St");
        await CanvassTestData.InsertLocationAsync(Db, midLat + (maxLat - minLat) / 4, midLng, "2 Inside St");
        await CanvassTestData.InsertLocationAsync(Db, maxLat + (maxLat - minLat), midLng, "3 Outside St");
        browser.Wait($"#cuts-list li[data-cut-id='{cutId}'] button").Click();
        browser.Until(() => browser.Wait("#cuts-map").GetDomAttribute("data-inside") == "2", "the cut's two buildings on the map");
        browser.Screenshot("admin-cuts-saved");
        browser.AtWidth(1366, () =>
        {
            browser.Script("window.scrollTo(0, 0)");
            browser.Screenshot("admin-cuts-desktop");
        });

        // Edit: a new name, and a corner moved with the keyboard.
        browser.Wait("#edit-cut").Click();
        browser.Until(() => browser.Wait("#cut-shape-state").GetDomAttribute("data-corners") == "4", "the cut's corners to reshape");
        var corner = browser.All("#cuts-map .corner-handle")[2];
        corner.SendKeys(Keys.ArrowRight);
        browser.Fill("#cut-form input[name=name]", name + " East");
        browser.Wait("#cut-form button[type=submit]").Click();
        browser.Until(() => browser.Wait("#cut-details h3").Text.Contains(name + " East"), "the edited cut shown");
        Assert.Equal(name + " East", await Db.ScalarAsync<string>("SELECT name FROM cuts WHERE id = @id", ("id", cutId)));
        var moved = JsonDocument.Parse((await Db.ScalarAsync<string>("SELECT geojson::text FROM cuts WHERE id = @id", ("id", cutId)))!);
        Assert.NotEqual(ring[2].ToString(), moved.RootElement.GetProperty("coordinates")[0][2].ToString());

        // Delete, asked twice.
        browser.Wait("#delete-cut").Click();
        browser.Wait("#delete-cut-yes").Click();
        browser.Until(() => browser.Wait("#cut-panel").Text.Contains("was deleted"), "the deletion said");
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM cuts WHERE id = @id", ("id", cutId)));
        Assert.Empty(browser.All($"#cuts-list li[data-cut-id='{cutId}']"));
    }

    [Fact]
    public async Task An_admin_places_a_location_on_the_map_edits_it_adds_a_unit_and_creates_one_from_an_address()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        var tag = Guid.NewGuid().ToString("N")[..8];
        browser.SignIn(Url("/app#/locations"), admin);
        browser.Wait("#admin-nav a[href='#/locations']").Click();
        var map = browser.Wait("#locations-map");
        browser.Until(() => map.GetDomAttribute("data-points") is not null, "the locations in view loaded");

        new Actions(Driver).MoveToElement(map, 25, -30).Click().Perform();
        browser.Wait("#location-form[data-mode='new']");
        var lat = double.Parse(browser.Wait("#location-form input[name=latitude]").GetDomProperty("value")!, CultureInfo.InvariantCulture);
        var lng = double.Parse(browser.Wait("#location-form input[name=longitude]").GetDomProperty("value")!, CultureInfo.InvariantCulture);
        browser.Fill("#location-form input[name=address]", $"12 {tag} Ave");
        browser.Wait("#location-form button[type=submit]").Click();
        var form = browser.Wait("#location-form[data-mode='edit']");
        var id = Guid.Parse(form.GetDomAttribute("data-location-id")!);
        Assert.Equal($"12 {tag} Ave", await Db.ScalarAsync<string>("SELECT address FROM locations WHERE id = @id AND created_by_user_id = @u", ("id", id), ("u", admin.Id)));
        Assert.Equal(lat, await Db.ScalarAsync<double>("SELECT latitude::float8 FROM locations WHERE id = @id", ("id", id)), 6);
        Assert.Equal(lng, await Db.ScalarAsync<double>("SELECT longitude::float8 FROM locations WHERE id = @id", ("id", id)), 6);
        // Drawn on the map's canvas: the view reloads and counts it.
        browser.Until(() => int.Parse(browser.Wait("#locations-map").GetDomAttribute("data-points") ?? "0", CultureInfo.InvariantCulture) >= 1, "the location on the map");

        browser.Fill("#location-form input[name=address]", $"14 {tag} Ave");
        browser.Fill("#location-form input[name=totalUnits]", "3");
        browser.Choose("#location-form select[name=buildingType]", "MULTI_UNIT");
        browser.Wait("#location-form button[type=submit]").Click();
        browser.Until(() => browser.Wait("#location-form").Text.Contains("Saved."), "the edit saved");
        Assert.Equal($"14 {tag} Ave", await Db.ScalarAsync<string>("SELECT address FROM locations WHERE id = @id", ("id", id)));
        Assert.Equal(3, await Db.ScalarAsync<int>("SELECT total_units FROM locations WHERE id = @id", ("id", id)));
        Assert.Equal("MULTI_UNIT", await Db.ScalarAsync<string>("SELECT building_type::text FROM locations WHERE id = @id", ("id", id)));
        // The point stayed where it was: only the changed fields were sent.
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM location_history WHERE location_id = @id AND action = 'MOVED_ON_MAP'", ("id", id)));

        browser.Fill("#unit-form input[name=unitNumber]", "B");
        browser.Fill("#unit-form input[name=lastName]", "Okafor");
        browser.Wait("#unit-form button[type=submit]").Click();
        browser.Until(() => browser.All("#location-units li[data-address-id]").Count == 1, "the unit listed");
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM addresses WHERE location_id = @id AND unit_number = 'B' AND last_name = 'Okafor'", ("id", id)));

        // Found by the list's search.
        browser.Fill("#location-search", tag);
        browser.Until(() => browser.All($"#locations-list li[data-location-id='{id}']").Count == 1 && browser.All("#locations-list li[data-location-id]").Count == 1,
            "the search finds the location");
        browser.Screenshot("admin-locations");
        browser.AtWidth(1366, () =>
        {
            browser.Script("window.scrollTo(0, 0)");
            browser.Screenshot("admin-locations-desktop");
        });

        // An address no geocoder can place is refused in words; one it can is placed where the geocoder said.
        browser.Fill("#by-address-address", $"1 {tag} Nowhere Rd");
        browser.Wait("#location-by-address button[type=submit]").Click();
        var refused = browser.Wait("#location-by-address .msg-error");
        Assert.False(string.IsNullOrWhiteSpace(refused.Text));
        browser.Fill("#by-address-address", $"20 {tag} St, Edmonton");
        browser.Wait("#location-by-address button[type=submit]").Click();
        browser.Until(() => browser.All("#location-form[data-mode='edit']").Count == 1 && browser.Wait("#location-form h3").Text.Contains($"20 {tag} St"),
            "the geocoded location opened");
        var (nomLat, nomLng) = FakeGeocoders.Points["NOMINATIM"];
        Assert.Equal(nomLat, await Db.ScalarAsync<double>("SELECT latitude::float8 FROM locations WHERE address LIKE @a", ("a", $"20 {tag} St%")), 4);
        Assert.Equal(nomLng, await Db.ScalarAsync<double>("SELECT longitude::float8 FROM locations WHERE address LIKE @a", ("a", $"20 {tag} St%")), 4);

        // Delete, asked twice; its units go with it.
        browser.Fill("#location-search", $"14 {tag}");
        browser.Wait($"#locations-list li[data-location-id='{id}'] button").Click();
        browser.Until(() => browser.Wait("#location-form").GetDomAttribute("data-location-id") == id.ToString(), "the first location opened again");
        browser.Wait("#delete-location").Click();
        browser.Wait("#delete-location-yes").Click();
        browser.Until(() => browser.Wait("#location-editor").Text.Contains("was deleted"), "the deletion said");
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM locations WHERE id = @id", ("id", id)));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM addresses WHERE location_id = @id", ("id", id)));
    }

    [Fact]
    public async Task An_admin_imports_national_address_register_files_and_sees_the_counts_when_it_completes()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        var tag = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var folder = Path.Combine(Path.GetTempPath(), $"nar-{tag}");
        Directory.CreateDirectory(folder);
        var addresses = Path.Combine(folder, "Address_48.csv");
        var locations = Path.Combine(folder, "Location_48.csv");
        await File.WriteAllTextAsync(locations, string.Join("\r\n",
            NarFiles.LocationHeader,
            NarFiles.LocationLine(new NarLocationRow($"{tag}-LOC-1", 53.55, -113.50)),
            NarFiles.LocationLine(new NarLocationRow($"{tag}-LOC-2", 53.56, -113.51)),
            NarFiles.LocationLine(new NarLocationRow($"{tag}-LOC-3", 53.57, -113.52))) + "\r\n", NarFiles.Utf8WithBom);
        await File.WriteAllTextAsync(addresses, string.Join("\r\n",
            NarFiles.AddressHeader,
            NarFiles.AddressLine(new($"{tag}-LOC-1", $"{tag}-ADDR-1", null, "10210", "104", "AVE", "NW", PostalCode: "T5J1N3")),
            NarFiles.AddressLine(new($"{tag}-LOC-2", $"{tag}-ADDR-2", "101", "9930", "Jasper", "AVE", PostalCode: "T5K2J1")),
            NarFiles.AddressLine(new($"{tag}-LOC-2", $"{tag}-ADDR-3", "102", "9930", "Jasper", "AVE", PostalCode: "T5K2J1")),
            NarFiles.AddressLine(new($"{tag}-LOC-3", $"{tag}-ADDR-4", null, "5", "Industrial", "RD", BuUse: 3, PostalCode: "T5J1N4")),
            NarFiles.AddressLine(new($"{tag}-LOC-3", $"{tag}-ADDR-5", null, "7", "Whyte", "AVE", PostalCode: "T5J1N4")) + ",\"unterminated") + "\r\n",
            NarFiles.Utf8WithBom);
        try
        {
            browser.SignIn(Url("/app#/nar"), admin);
            browser.Wait("#admin-nav a[href='#/nar']").Click();
            browser.Wait("#nar-addresses").SendKeys(addresses);
            browser.Wait("#nar-locations").SendKeys(locations);
            browser.Wait("#nar-form button[type=submit]").Click();
            browser.Until(() => browser.Wait("#import-state").GetDomAttribute("data-status") == "completed", "the register import completes on screen",
                TimeSpan.FromSeconds(90));
            var result = browser.Wait("#import-result").Text;
            Assert.Contains("locationsCreated: 2", result);
            Assert.Contains("addressesCreated: 3", result);
            Assert.Contains("filtered: 1", result); // the industrial building, with residential buildings only
            Assert.Contains("line 6", browser.Wait("#import-details").Text); // the row whose quote never closes
            browser.Script("document.getElementById('nar-progress').scrollIntoView()");
            browser.Screenshot("admin-nar-import");
            Assert.Equal(2L, await Db.ScalarAsync<long>("SELECT count(*) FROM locations WHERE loc_guid LIKE @t", ("t", tag + "-%")));
            Assert.Equal(3L, await Db.ScalarAsync<long>("SELECT count(*) FROM addresses WHERE addr_guid LIKE @t", ("t", tag + "-%")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_wrong_import_option_is_refused_beside_its_field()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        var folder = Path.Combine(Path.GetTempPath(), $"nar-bad-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "Address_48.csv");
        await File.WriteAllTextAsync(file, NarFiles.AddressHeader + "\r\n", NarFiles.Utf8WithBom);
        try
        {
            browser.SignIn(Url("/app#/nar"), admin);
            browser.Wait("#admin-nav a[href='#/nar']").Click();
            browser.Wait("#nar-addresses").SendKeys(file);
            browser.Wait("#nar-locations").SendKeys(file);
            browser.Fill("#nar-province", "Atlantis");
            browser.Wait("#nar-form button[type=submit]").Click();
            browser.Wait("#nar-form .msg-error");
            Assert.Equal("true", browser.Wait("#nar-province").GetDomAttribute("aria-invalid"));
            Assert.Contains("Atlantis", browser.Wait("#nar-form .field-error").Text);
            Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE created_by_user_id = @u", ("u", admin.Id)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_live_canvass_map_draws_five_thousand_moving_canvassers_and_drops_one_that_ends()
    {
        const int canvassers = 5000;
        var admin = await TestUsers.CreateAsync(Db, UserRole.MapAdmin);
        var (lat, lng) = (46.0 + Random.Shared.NextDouble(), -80.0 - Random.Shared.NextDouble());
        var cutId = await CanvassTestData.InsertCutAsync(Db, lat - 0.01, lng - 0.01, lat + 0.01, lng + 0.01, name: $"Live {Guid.NewGuid():N}"[..20]);
        var canvasser = await TestUsers.CreateAsync(Db, UserRole.User);
        using var phone = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, canvasser.Id, canvasser.Email, UserRole.User));
        // One real session: the map opens around where it started.
        var sessionId = await new CanvassClient(phone).StartSessionAsync(cutId, lat, lng);

        browser.SignIn(Url("/app#/canvass"), admin);
        browser.Wait("#admin-nav a[href='#/canvass']").Click();
        browser.Until(() => browser.Wait("#live-state").Text == "live", "the canvass map watches canvass:live");
        browser.Until(() => browser.Wait("#canvass-map").GetDomAttribute("data-canvassers") is { } n && int.Parse(n, CultureInfo.InvariantCulture) >= 1,
            "the active session on the map");

        // The others' moves come through the silo's live publisher and the hub, as the tracking grains publish them.
        var live = Cluster.SiloService<LivePublisher>(0);
        var random = new Random(7);
        var others = Enumerable.Range(0, canvassers - 1).Select(_ => Guid.NewGuid()).ToList();
        foreach (var other in others)
            live.Publish(LiveTopics.CanvassLive, "canvasserMoved", new
            {
                sessionId = other, userId = Guid.NewGuid(), latitude = lat + (random.NextDouble() - 0.5) * 0.0008,
                longitude = lng + (random.NextDouble() - 0.5) * 0.0008, recordedAt = DateTime.UtcNow,
            });
        live.Publish(LiveTopics.CanvassLive, "canvasserMoved", new { sessionId, userId = canvasser.Id, latitude = lat + 0.0001, longitude = lng, recordedAt = DateTime.UtcNow });
        browser.Until(() => browser.Wait("#canvass-map").GetDomAttribute("data-canvassers") == canvassers.ToString(CultureInfo.InvariantCulture),
            "every canvasser on the map", TimeSpan.FromSeconds(60), () => browser.Wait("#canvasser-count").Text);
        // All of them drawn: they are inside the view the map opened on.
        browser.Until(() => browser.Wait("#canvass-map canvas.dot-layer").GetDomAttribute("data-drawn") == canvassers.ToString(CultureInfo.InvariantCulture),
            "every canvasser drawn", describe: () => browser.Wait("#canvasser-count").Text);
        Assert.Equal($"{canvassers} canvassers active", browser.Wait("#canvasser-count").Text);
        browser.Screenshot("admin-canvass-5000");

        // One ends: gone from the map.
        live.Publish(LiveTopics.CanvassLive, "sessionChanged", new { sessionId = others[0], status = "COMPLETED", userId = Guid.NewGuid(), cutId, endedAt = DateTime.UtcNow });
        browser.Until(() => browser.Wait("#canvass-map").GetDomAttribute("data-canvassers") == (canvassers - 1).ToString(CultureInfo.InvariantCulture),
            "the ended session removed");
        output.WriteLine($"screenshots: {Browser.ScreenshotFolder}");
    }
}
