using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Map.Geocoding;
using ChangemakerLite.TestSupport.Map;
using Microsoft.Extensions.Configuration;

namespace ChangemakerLite.Grains.Tests.Map;

/// <summary>
/// Each of the six real HTTP clients against a loopback server answering in that provider's format: a match,
/// the provider's own way of saying "nothing found", and its error answer.
/// </summary>
public sealed class GeocoderClientTests : IAsyncLifetime
{
    private FakeGeocoders _server = null!;
    private GeocodingOptions _options = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _server = await FakeGeocoders.StartAsync();
        _options = GeocodingOptions.From(new ConfigurationBuilder().AddInMemoryCollection(_server.Settings()).Build());
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private IGeocoder Client(string provider) => provider switch
    {
        "GOOGLE" => new GoogleGeocoder(_http, _options),
        "MAPBOX" => new MapboxGeocoder(_http, _options),
        "NOMINATIM" => new NominatimGeocoder(_http, _options),
        "PHOTON" => new PhotonGeocoder(_http, _options),
        "LOCATIONIQ" => new LocationIqGeocoder(_http, _options),
        "ARCGIS" => new ArcGisGeocoder(_http, _options),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    public static TheoryData<string> Providers => new() { "GOOGLE", "MAPBOX", "NOMINATIM", "PHOTON", "LOCATIONIQ", "ARCGIS" };

    [Theory, MemberData(nameof(Providers))]
    public async Task A_match_gives_the_point_and_a_confidence_between_0_and_100(string provider)
    {
        var result = await Client(provider).GeocodeAsync(new GeocodeQuery("10210 104 Ave NW, Edmonton", "T5J 1N3", "AB"), CancellationToken.None);
        Assert.NotNull(result);
        Assert.Equal(provider, Grains.Interfaces.Platform.EnumWireNames.ToWireName(result.Provider));
        Assert.Equal(FakeGeocoders.Points[provider].Lat, result.Latitude, 6);
        Assert.Equal(FakeGeocoders.Points[provider].Lng, result.Longitude, 6);
        Assert.InRange(result.Confidence, 85, 100);
        Assert.Contains("10210", result.FormattedAddress);

        var (_, request, userAgent) = _server.Requests.Last(r => r.Provider == provider);
        Assert.Contains(Uri.EscapeDataString("10210 104 Ave NW, Edmonton, AB, T5J 1N3, Canada"), request);
        Assert.StartsWith("ChangemakerLite", userAgent);
        var key = provider switch
        {
            "GOOGLE" => "key=google-key", "MAPBOX" => "access_token=mapbox-token", "LOCATIONIQ" => "key=locationiq-key",
            "ARCGIS" => "token=arcgis-token", "NOMINATIM" => "format=jsonv2", _ => "countrycode=CA",
        };
        Assert.Contains(key, request);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task No_result_is_null_not_an_error(string provider) =>
        Assert.Null(await Client(provider).GeocodeAsync(new GeocodeQuery("1 Nowhere Lane, Edmonton"), CancellationToken.None));

    [Theory, MemberData(nameof(Providers))]
    public async Task An_error_answer_is_a_geocoder_exception_with_the_providers_message(string provider)
    {
        var error = await Assert.ThrowsAsync<GeocoderException>(() => Client(provider).GeocodeAsync(new GeocodeQuery("1 Broken Way"), CancellationToken.None));
        Assert.Equal(provider, Grains.Interfaces.Platform.EnumWireNames.ToWireName(error.Provider));
        var expected = provider switch
        {
            "GOOGLE" => "REQUEST_DENIED", "MAPBOX" => "Invalid Token", "NOMINATIM" => "format", "PHOTON" => "missing search term",
            "LOCATIONIQ" => "Invalid key", _ => "Invalid Token",
        };
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task An_unreachable_provider_is_a_geocoder_exception()
    {
        var options = GeocodingOptions.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["NOMINATIM_URL"] = $"http://127.0.0.1:{TestSupport.Ports.Free()}",
        }).Build());
        var error = await Assert.ThrowsAsync<GeocoderException>(() =>
            new NominatimGeocoder(_http, options).GeocodeAsync(new GeocodeQuery("1 Main St"), CancellationToken.None));
        Assert.Contains("could not be reached", error.Message);
    }

    [Fact]
    public void Configuration_orders_providers_and_enables_keyed_ones_only_with_a_key()
    {
        var options = GeocodingOptions.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GEOCODING_ORDER"] = "photon, nominatim",
            ["GEOCODING_RATE_NOMINATIM"] = "0.5",
        }).Build());
        Assert.Equal([GeocodeProvider.Photon, GeocodeProvider.Nominatim], options.Order);
        Assert.Equal(0.5, options.For(GeocodeProvider.Nominatim).RequestsPerSecond);
        Assert.Equal(1, GeocodingOptions.From(new ConfigurationBuilder().Build()).For(GeocodeProvider.Nominatim).RequestsPerSecond);
        Assert.False(new GoogleGeocoder(_http, options).IsConfigured);
        Assert.True(new NominatimGeocoder(_http, options).IsConfigured);
        Assert.Throws<InvalidOperationException>(() => GeocodingOptions.From(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["GEOCODING_ORDER"] = "bing" }).Build()));
    }
}
