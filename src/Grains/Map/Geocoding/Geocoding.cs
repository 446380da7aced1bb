using System.Globalization;
using ChangemakerLite.Grains.Interfaces.Map;
using Microsoft.Extensions.Configuration;

namespace ChangemakerLite.Grains.Map.Geocoding;

/// <summary>What to look up: the street address of a building, with what narrows it down in Canada.</summary>
public sealed record GeocodeQuery(string Address, string? PostalCode = null, string? Province = null)
{
    /// <summary>The one-line form every provider accepts.</summary>
    public string SingleLine
    {
        get
        {
            var parts = new List<string> { Address.Trim() };
            if (!string.IsNullOrWhiteSpace(Province) && !Address.Contains(Province, StringComparison.OrdinalIgnoreCase)) parts.Add(Province.Trim());
            if (!string.IsNullOrWhiteSpace(PostalCode) && !Address.Contains(PostalCode, StringComparison.OrdinalIgnoreCase)) parts.Add(PostalCode.Trim());
            if (!Address.Contains("Canada", StringComparison.OrdinalIgnoreCase)) parts.Add("Canada");
            return string.Join(", ", parts);
        }
    }

    /// <summary>The cache key: case, spacing and punctuation differences do not make a new lookup.</summary>
    public string CacheKey
    {
        get
        {
            var text = SingleLine.ToLowerInvariant();
            var builder = new System.Text.StringBuilder(text.Length);
            var space = false;
            foreach (var c in text)
            {
                if (char.IsLetterOrDigit(c)) { if (space && builder.Length > 0) builder.Append(' '); builder.Append(c); space = false; }
                else space = true;
            }
            return builder.ToString();
        }
    }

    /// <summary>The civic number at the start of the address, used to judge whether a house-level answer is the right house.</summary>
    public string? HouseNumber
    {
        get
        {
            var trimmed = Address.TrimStart();
            var end = 0;
            while (end < trimmed.Length && char.IsAsciiDigit(trimmed[end])) end++;
            return end == 0 ? null : trimmed[..end];
        }
    }
}

/// <summary>A provider's best answer, with its confidence normalised to 0–100 (High ≥ 85, Medium 60–84, Low below).</summary>
[GenerateSerializer, Immutable, Alias("cml.map.GeocodeResult")]
public sealed record GeocodeResult(
    [property: Id(0)] GeocodeProvider Provider,
    [property: Id(1)] double Latitude,
    [property: Id(2)] double Longitude,
    [property: Id(3)] int Confidence,
    [property: Id(4)] string? FormattedAddress);

/// <summary>A provider failed (refused, rate limited, broke); the chain moves on to the next one.</summary>
public sealed class GeocoderException(GeocodeProvider provider, string message, bool rateLimited = false) : Exception(message)
{
    public GeocodeProvider Provider { get; } = provider;
    public bool RateLimited { get; } = rateLimited;
}

/// <summary>One geocoding service. Null means "the service answered and found nothing".</summary>
public interface IGeocoder
{
    GeocodeProvider Provider { get; }
    bool IsConfigured { get; }
    Task<GeocodeResult?> GeocodeAsync(GeocodeQuery query, CancellationToken cancellationToken);
}

public sealed record GeocoderSettings(GeocodeProvider Provider, string BaseUrl, string? Key, double RequestsPerSecond);

/// <summary>
/// Geocoding configuration from environment variables: GEOCODING_ORDER (comma-separated provider names),
/// &lt;PROVIDER&gt;_URL / key variables, GEOCODING_RATE_&lt;PROVIDER&gt; (requests per second), GEOCODING_CACHE_DAYS.
/// Keyed services are used only when their key is set; Nominatim and Photon need none.
/// </summary>
public sealed class GeocodingOptions
{
    /// <summary>The chain the original product used: each provider in turn until one finds the address.</summary>
    public static readonly GeocodeProvider[] DefaultOrder =
        [GeocodeProvider.Google, GeocodeProvider.Mapbox, GeocodeProvider.Nominatim, GeocodeProvider.Photon, GeocodeProvider.Locationiq, GeocodeProvider.Arcgis];

    public IReadOnlyList<GeocodeProvider> Order { get; init; } = DefaultOrder;
    public Dictionary<GeocodeProvider, GeocoderSettings> Providers { get; init; } = new();
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromDays(7);
    public TimeSpan NegativeCacheTtl { get; init; } = TimeSpan.FromDays(1);
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public string UserAgent { get; init; } = "ChangemakerLite/1.0";
    public string? NominatimEmail { get; init; }

    public GeocoderSettings For(GeocodeProvider provider) => Providers[provider];

    public static GeocodingOptions From(IConfiguration configuration)
    {
        string? Get(string name) => string.IsNullOrWhiteSpace(configuration[name]) ? null : configuration[name]!.Trim();
        double Rate(GeocodeProvider provider, double fallback)
        {
            var raw = Get($"GEOCODING_RATE_{Interfaces.Platform.EnumWireNames.ToWireName(provider)}");
            return raw is not null && double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate > 0 ? rate : fallback;
        }
        var providers = new Dictionary<GeocodeProvider, GeocoderSettings>
        {
            [GeocodeProvider.Google] = new(GeocodeProvider.Google, Get("GOOGLE_GEOCODING_URL") ?? "https://maps.googleapis.com",
                Get("GOOGLE_GEOCODING_KEY") ?? Get("GOOGLE_MAPS_API_KEY"), Rate(GeocodeProvider.Google, 40)),
            [GeocodeProvider.Mapbox] = new(GeocodeProvider.Mapbox, Get("MAPBOX_URL") ?? "https://api.mapbox.com",
                Get("MAPBOX_ACCESS_TOKEN") ?? Get("MAPBOX_GEOCODING_KEY"), Rate(GeocodeProvider.Mapbox, 10)),
            [GeocodeProvider.Nominatim] = new(GeocodeProvider.Nominatim, Get("NOMINATIM_URL") ?? "https://nominatim.openstreetmap.org",
                null, Rate(GeocodeProvider.Nominatim, 1)),
            [GeocodeProvider.Photon] = new(GeocodeProvider.Photon, Get("PHOTON_URL") ?? "https://photon.komoot.io",
                null, Rate(GeocodeProvider.Photon, 1)),
            [GeocodeProvider.Locationiq] = new(GeocodeProvider.Locationiq, Get("LOCATIONIQ_URL") ?? "https://us1.locationiq.com",
                Get("LOCATIONIQ_KEY") ?? Get("LOCATIONIQ_GEOCODING_KEY"), Rate(GeocodeProvider.Locationiq, 1)),
            [GeocodeProvider.Arcgis] = new(GeocodeProvider.Arcgis, Get("ARCGIS_URL") ?? "https://geocode-api.arcgis.com",
                Get("ARCGIS_TOKEN") ?? Get("ARCGIS_API_KEY"), Rate(GeocodeProvider.Arcgis, 10)),
        };
        var order = Get("GEOCODING_ORDER") is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(name => ParseProvider(name) ?? throw new InvalidOperationException(
                    $"GEOCODING_ORDER names an unknown provider '{name}' (use {string.Join(", ", DefaultOrder.Select(p => Interfaces.Platform.EnumWireNames.ToWireName(p)))})."))
                .Distinct().ToArray()
            : DefaultOrder;
        var days = double.TryParse(Get("GEOCODING_CACHE_DAYS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 7;
        return new GeocodingOptions
        {
            Order = order,
            Providers = providers,
            CacheTtl = TimeSpan.FromDays(days),
            NegativeCacheTtl = TimeSpan.FromDays(Math.Min(days, 1)),
            RequestTimeout = TimeSpan.FromSeconds(double.TryParse(Get("GEOCODING_TIMEOUT_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) ? t : 10),
            UserAgent = Get("GEOCODING_USER_AGENT") ?? "ChangemakerLite/1.0 (campaign canvassing map)",
            NominatimEmail = Get("NOMINATIM_EMAIL"),
        };
    }

    public static GeocodeProvider? ParseProvider(string name) =>
        Enum.GetValues<GeocodeProvider>().Where(p => p != GeocodeProvider.Unknown)
            .Select(p => (GeocodeProvider?)p)
            .FirstOrDefault(p => string.Equals(Interfaces.Platform.EnumWireNames.ToWireName(p!.Value), name.Trim(), StringComparison.OrdinalIgnoreCase));
}
