using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.TestSupport.Map;

/// <summary>
/// The six geocoding services on one loopback Kestrel server, each answering on its real path in its real
/// format (docs/external-formats.md §3). The question decides the answer: a query containing "Nowhere" gets the
/// provider's no-result answer, "Broken" its error answer; anything else a match at the provider's own
/// point, so a test can tell which provider answered. <see cref="Down"/> makes a provider fail everything.
/// </summary>
public sealed class FakeGeocoders : IAsyncDisposable
{
    private readonly WebApplication _app;

    public static readonly IReadOnlyDictionary<string, (double Lat, double Lng)> Points = new Dictionary<string, (double, double)>
    {
        ["GOOGLE"] = (53.5401, -113.4901),
        ["MAPBOX"] = (53.5402, -113.4902),
        ["NOMINATIM"] = (53.5403, -113.4903),
        ["PHOTON"] = (53.5404, -113.4904),
        ["LOCATIONIQ"] = (53.5405, -113.4905),
        ["ARCGIS"] = (53.5406, -113.4906),
    };

    public ConcurrentQueue<(string Provider, string PathAndQuery, string? UserAgent)> Requests { get; } = new();
    public ConcurrentDictionary<string, bool> Down { get; } = new();
    public string BaseUrl { get; }

    private FakeGeocoders(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public int CountFor(string provider) => Requests.Count(r => r.Provider == provider);

    /// <summary>Settings that point every provider of a silo at this server, with keys for the keyed ones.</summary>
    public Dictionary<string, string?> Settings(string order = "GOOGLE,MAPBOX,NOMINATIM,PHOTON,LOCATIONIQ,ARCGIS") => new()
    {
        ["GEOCODING_ORDER"] = order,
        ["GOOGLE_GEOCODING_URL"] = BaseUrl, ["GOOGLE_GEOCODING_KEY"] = "google-key",
        ["MAPBOX_URL"] = BaseUrl, ["MAPBOX_ACCESS_TOKEN"] = "mapbox-token",
        ["NOMINATIM_URL"] = BaseUrl,
        ["PHOTON_URL"] = BaseUrl,
        ["LOCATIONIQ_URL"] = BaseUrl, ["LOCATIONIQ_KEY"] = "locationiq-key",
        ["ARCGIS_URL"] = BaseUrl, ["ARCGIS_TOKEN"] = "arcgis-token",
        // Tests must not wait a second between fake calls.
        ["GEOCODING_RATE_NOMINATIM"] = "50", ["GEOCODING_RATE_PHOTON"] = "50", ["GEOCODING_RATE_LOCATIONIQ"] = "50",
    };

    public static async Task<FakeGeocoders> StartAsync()
    {
        var port = Ports.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var fake = new FakeGeocoders(app, $"http://127.0.0.1:{port}");

        app.MapGet("/maps/api/geocode/json", (HttpContext c) => fake.Answer(c, "GOOGLE", c.Request.Query["address"], Google));
        app.MapGet("/search/geocode/v6/forward", (HttpContext c) => fake.Answer(c, "MAPBOX", c.Request.Query["q"], Mapbox));
        app.MapGet("/search", (HttpContext c) => fake.Answer(c, "NOMINATIM", c.Request.Query["q"], Nominatim));
        app.MapGet("/api", (HttpContext c) => fake.Answer(c, "PHOTON", c.Request.Query["q"], Photon));
        app.MapGet("/v1/search", (HttpContext c) => fake.Answer(c, "LOCATIONIQ", c.Request.Query["q"], LocationIq));
        app.MapGet("/arcgis/rest/services/World/GeocodeServer/findAddressCandidates",
            (HttpContext c) => fake.Answer(c, "ARCGIS", c.Request.Query["singleLine"], ArcGis));
        await app.StartAsync();
        return fake;
    }

    private enum Mode { Match, None, Error }

    private IResult Answer(HttpContext context, string provider, string? query, Func<Mode, string, (int Status, string Json)> format)
    {
        Requests.Enqueue((provider, context.Request.Path + context.Request.QueryString, context.Request.Headers.UserAgent.ToString()));
        var mode = Down.ContainsKey(provider) || (query ?? "").Contains("Broken", StringComparison.OrdinalIgnoreCase) ? Mode.Error
            : (query ?? "").Contains("Nowhere", StringComparison.OrdinalIgnoreCase) ? Mode.None
            : Mode.Match;
        var (status, json) = format(mode, query ?? "");
        return Results.Content(json, "application/json", statusCode: status);
    }

    private static string N(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static (int, string) Google(Mode mode, string query)
    {
        var (lat, lng) = Points["GOOGLE"];
        return mode switch
        {
            Mode.None => (200, """{"results":[],"status":"ZERO_RESULTS"}"""),
            Mode.Error => (200, """{"error_message":"The provided API key is invalid. ","results":[],"status":"REQUEST_DENIED"}"""),
            _ => (200, """
                {"results":[{"address_components":[{"long_name":"10210","short_name":"10210","types":["street_number"]},
                  {"long_name":"104 Avenue Northwest","short_name":"104 Ave NW","types":["route"]},
                  {"long_name":"Edmonton","short_name":"Edmonton","types":["locality","political"]},
                  {"long_name":"Alberta","short_name":"AB","types":["administrative_area_level_1","political"]},
                  {"long_name":"Canada","short_name":"CA","types":["country","political"]},
                  {"long_name":"T5J 1N3","short_name":"T5J 1N3","types":["postal_code"]}],
                 "formatted_address":"10210 104 Ave NW, Edmonton, AB T5J 1N3, Canada",
                 "geometry":{"location":{"lat":__LAT__,"lng":__LNG__},"location_type":"ROOFTOP",
                   "viewport":{"northeast":{"lat":53.55,"lng":-113.48},"southwest":{"lat":53.53,"lng":-113.50}}},
                 "place_id":"ChIJfake","types":["street_address"]}],"status":"OK"}
                """.Replace("__LAT__", N(lat)).Replace("__LNG__", N(lng))),
        };
    }

    private static (int, string) Mapbox(Mode mode, string query)
    {
        var (lat, lng) = Points["MAPBOX"];
        return mode switch
        {
            Mode.None => (200, """{"type":"FeatureCollection","features":[],"attribution":"NOTICE: © 2025 Mapbox and its suppliers."}"""),
            Mode.Error => (401, """{"message":"Not Authorized - Invalid Token"}"""),
            _ => (200, """
                {"type":"FeatureCollection","features":[{"type":"Feature","id":"dXJuOm1ieGFkcjpmYWtl",
                  "geometry":{"type":"Point","coordinates":[__LNG__,__LAT__]},
                  "properties":{"mapbox_id":"dXJuOm1ieGFkcjpmYWtl","feature_type":"address","full_address":"10210 104 Avenue NW, Edmonton, Alberta T5J 1N3, Canada",
                    "name":"10210 104 Avenue NW","place_formatted":"Edmonton, Alberta T5J 1N3, Canada",
                    "context":{"address":{"address_number":"10210","street_name":"104 Avenue NW","name":"10210 104 Avenue NW"},
                      "postcode":{"name":"T5J 1N3"},"region":{"name":"Alberta","region_code":"AB","region_code_full":"CA-AB"},
                      "country":{"name":"Canada","country_code":"CA","country_code_alpha_3":"CAN"}},
                    "coordinates":{"longitude":__LNG__,"latitude":__LAT__,"accuracy":"rooftop","routable_points":[]},
                    "match_code":{"address_number":"matched","street":"matched","postcode":"matched","place":"matched","region":"matched",
                      "locality":"not_applicable","country":"inferred","confidence":"exact"}}}],
                 "attribution":"NOTICE: © 2025 Mapbox and its suppliers."}
                """.Replace("__LAT__", N(lat)).Replace("__LNG__", N(lng))),
        };
    }

    private static (int, string) Nominatim(Mode mode, string query)
    {
        var (lat, lng) = Points["NOMINATIM"];
        return mode switch
        {
            Mode.None => (200, "[]"),
            Mode.Error => (400, """{"error":{"code":400,"message":"Parameter 'format' must be one of: xml, json, jsonv2, geojson, geocodejson"}}"""),
            _ => (200, """
                [{"place_id":299153418,"licence":"Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright","osm_type":"way",
                  "osm_id":123456789,"lat":"__LAT__","lon":"__LNG__","category":"building","type":"house","place_rank":30,
                  "importance":9.99999999995449e-06,"addresstype":"building","name":"",
                  "display_name":"10210, 104 Avenue NW, Downtown, Edmonton, Alberta, T5J 1N3, Canada",
                  "address":{"house_number":"10210","road":"104 Avenue NW","suburb":"Downtown","city":"Edmonton","state":"Alberta",
                    "ISO3166-2-lvl4":"CA-AB","postcode":"T5J 1N3","country":"Canada","country_code":"ca"},
                  "boundingbox":["53.5402","53.5404","-113.4904","-113.4902"]}]
                """.Replace("__LAT__", N(lat)).Replace("__LNG__", N(lng))),
        };
    }

    private static (int, string) Photon(Mode mode, string query)
    {
        var (lat, lng) = Points["PHOTON"];
        return mode switch
        {
            Mode.None => (200, """{"type":"FeatureCollection","features":[]}"""),
            Mode.Error => (400, """{"message":"Bad Request: missing search term 'q'"}"""),
            _ => (200, """
                {"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[__LNG__,__LAT__]},
                  "properties":{"osm_type":"N","osm_id":4321,"osm_key":"place","osm_value":"house","type":"house","housenumber":"10210",
                    "street":"104 Avenue NW","district":"Downtown","city":"Edmonton","state":"Alberta","postcode":"T5J 1N3",
                    "countrycode":"CA","country":"Canada","extent":[-113.4905,53.5405,-113.4903,53.5403]}}]}
                """.Replace("__LAT__", N(lat)).Replace("__LNG__", N(lng))),
        };
    }

    private static (int, string) LocationIq(Mode mode, string query)
    {
        var (lat, lng) = Points["LOCATIONIQ"];
        return mode switch
        {
            Mode.None => (404, """{"error":"Unable to geocode"}"""),
            Mode.Error => (401, """{"error":"Invalid key"}"""),
            _ => (200, """
                [{"place_id":"331754711","licence":"https://locationiq.com/attribution","osm_type":"way","osm_id":"123456789",
                  "boundingbox":["53.5404","53.5406","-113.4906","-113.4904"],"lat":"__LAT__","lon":"__LNG__",
                  "display_name":"10210, 104 Avenue NW, Edmonton, Alberta, T5J 1N3, Canada","class":"building","type":"house",
                  "importance":0.31,"address":{"house_number":"10210","road":"104 Avenue NW","city":"Edmonton","state":"Alberta",
                    "postcode":"T5J 1N3","country":"Canada","country_code":"ca"},
                  "matchquality":{"matchcode":"exact","matchtype":"point","matchlevel":"building"}}]
                """.Replace("__LAT__", N(lat)).Replace("__LNG__", N(lng))),
        };
    }

    private static (int, string) ArcGis(Mode mode, string query)
    {
        var (lat, lng) = Points["ARCGIS"];
        return mode switch
        {
            Mode.None => (200, """{"spatialReference":{"wkid":4326,"latestWkid":4326},"candidates":[]}"""),
            Mode.Error => (200, """{"error":{"code":498,"message":"Invalid Token","details":[]}}"""),
            _ => (200, """
                {"spatialReference":{"wkid":4326,"latestWkid":4326},"candidates":[{"address":"10210 104 Ave NW, Edmonton, Alberta, T5J 1N3",
                  "location":{"x":__LNG__,"y":__LAT__},"score":97.5,
                  "attributes":{"Match_addr":"10210 104 Ave NW, Edmonton, Alberta, T5J 1N3","Addr_type":"StreetAddress"},
                  "extent":{"xmin":-113.4916,"ymin":53.5396,"xmax":-113.4896,"ymax":53.5416}}]}
                """.Replace("__LAT__", N(lat)).Replace("__LNG__", N(lng))),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
