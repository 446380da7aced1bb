using ChangemakerLite.Grains.Map.Geocoding;
using ChangemakerLite.Grains.Map.Jobs;
using Microsoft.Extensions.Configuration;

// In the DI namespace so that hosts register the module with one line and no extra using.
namespace Microsoft.Extensions.DependencyInjection;

public static class MapSetup
{
    /// <summary>The silo side of the map module: the six geocoders with their configuration, the fallback chain and the job runner.</summary>
    public static IServiceCollection AddMapGrains(this IServiceCollection services, IConfiguration configuration)
    {
        var options = GeocodingOptions.From(configuration);
        services.AddSingleton(options);
        AddGeocoder<GoogleGeocoder>(services, (http, o) => new GoogleGeocoder(http, o));
        AddGeocoder<MapboxGeocoder>(services, (http, o) => new MapboxGeocoder(http, o));
        AddGeocoder<NominatimGeocoder>(services, (http, o) => new NominatimGeocoder(http, o));
        AddGeocoder<PhotonGeocoder>(services, (http, o) => new PhotonGeocoder(http, o));
        AddGeocoder<LocationIqGeocoder>(services, (http, o) => new LocationIqGeocoder(http, o));
        AddGeocoder<ArcGisGeocoder>(services, (http, o) => new ArcGisGeocoder(http, o));
        services.AddSingleton<GeocodingService>();
        services.AddSingleton<MapJobRunner>();
        return services;
    }

    private static void AddGeocoder<T>(IServiceCollection services, Func<HttpClient, GeocodingOptions, T> create) where T : class, IGeocoder
    {
        services.AddHttpClient(typeof(T).Name);
        services.AddSingleton<IGeocoder>(sp => create(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(typeof(T).Name), sp.GetRequiredService<GeocodingOptions>()));
    }
}
