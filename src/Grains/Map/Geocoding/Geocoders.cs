using System.Globalization;
using System.Net;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Map;

namespace ChangemakerLite.Grains.Map.Geocoding;

/// <summary>The HTTP plumbing every client shares: one GET, the body parsed as JSON whatever the status.</summary>
public abstract class HttpGeocoder(HttpClient http, GeocodingOptions options, GeocodeProvider provider) : IGeocoder
{
    protected GeocoderSettings Settings { get; } = options.For(provider);
    protected GeocodingOptions Options { get; } = options;
    public GeocodeProvider Provider => provider;
    public virtual bool IsConfigured => !string.IsNullOrEmpty(Settings.Key);

    public abstract Task<GeocodeResult?> GeocodeAsync(GeocodeQuery query, CancellationToken cancellationToken);

    protected string Url(string path, params (string Name, string? Value)[] query)
    {
        var parts = query.Where(q => q.Value is not null).Select(q => $"{q.Name}={Uri.EscapeDataString(q.Value!)}");
        return $"{Settings.BaseUrl.TrimEnd('/')}{path}?{string.Join('&', parts)}";
    }

    protected async Task<(HttpStatusCode Status, JsonDocument? Body)> GetAsync(string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.UserAgent.ParseAdd(Options.UserAgent);
        request.Headers.Accept.ParseAdd("application/json");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new GeocoderException(Provider, $"{Provider} could not be reached: {ex.Message}");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            JsonDocument? body = null;
            try { if (text.Length > 0) body = JsonDocument.Parse(text); }
            catch (JsonException) { /* a proxy's HTML error page: judged by the status below */ }
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                throw new GeocoderException(Provider, $"{Provider} rate limited the request{Detail(body)}.", rateLimited: true);
            return (response.StatusCode, body);
        }
    }

    protected GeocoderException Failure(HttpStatusCode status, JsonDocument? body) =>
        new(Provider, $"{Provider} answered HTTP {(int)status}{Detail(body)}.");

    /// <summary>The message a provider put in its error body, in any of the shapes they use.</summary>
    protected static string Detail(JsonDocument? body)
    {
        if (body is null || body.RootElement.ValueKind != JsonValueKind.Object) return "";
        var root = body.RootElement;
        if (root.TryGetProperty("error", out var error))
        {
            if (error.ValueKind == JsonValueKind.String) return $": {error.GetString()}";
            if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m)) return $": {m}";
        }
        if (root.TryGetProperty("error_message", out var em)) return $": {em.GetString()}";
        if (root.TryGetProperty("message", out var message)) return $": {message}";
        return "";
    }

    protected static double? Number(JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        };
    }

    protected static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    protected static int Clamp(double confidence) => (int)Math.Round(Math.Clamp(confidence, 0, 100));

    protected GeocodeResult? Result(double? latitude, double? longitude, double confidence, string? formatted)
    {
        if (latitude is null || longitude is null || latitude is < -90 or > 90 || longitude is < -180 or > 180)
            throw new GeocoderException(Provider, $"{Provider} answered without a valid point.");
        return new GeocodeResult(Provider, latitude.Value, longitude.Value, Clamp(confidence), formatted);
    }
}

/// <summary>Google Geocoding API (legacy JSON): errors arrive with HTTP 200 in <c>status</c>.</summary>
public sealed class GoogleGeocoder(HttpClient http, GeocodingOptions options) : HttpGeocoder(http, options, GeocodeProvider.Google)
{
    public override async Task<GeocodeResult?> GeocodeAsync(GeocodeQuery query, CancellationToken cancellationToken)
    {
        var (status, body) = await GetAsync(Url("/maps/api/geocode/json",
            ("address", query.SingleLine), ("components", "country:CA"), ("region", "ca"), ("key", Settings.Key)), cancellationToken);
        using (body)
        {
            if (body is null || body.RootElement.ValueKind != JsonValueKind.Object) throw Failure(status, body);
            var root = body.RootElement;
            switch (Text(root, "status"))
            {
                case "OK": break;
                case "ZERO_RESULTS": return null;
                case "OVER_QUERY_LIMIT" or "OVER_DAILY_LIMIT":
                    throw new GeocoderException(Provider, $"Google: {Text(root, "status")}{Detail(body)}", rateLimited: true);
                case { } other: throw new GeocoderException(Provider, $"Google: {other}{Detail(body)}");
                default: throw Failure(status, body);
            }
            if (!root.TryGetProperty("results", out var results) || results.GetArrayLength() == 0) return null;
            var first = results[0];
            var geometry = first.GetProperty("geometry");
            var location = geometry.GetProperty("location");
            double confidence = Text(geometry, "location_type") switch
            {
                "ROOFTOP" => 95,
                "RANGE_INTERPOLATED" => 80,
                "GEOMETRIC_CENTER" => 60,
                _ => 40,
            };
            if (first.TryGetProperty("partial_match", out var partial) && partial.ValueKind == JsonValueKind.True) confidence -= 20;
            return Result(Number(location, "lat"), Number(location, "lng"), confidence, Text(first, "formatted_address"));
        }
    }
}

/// <summary>Mapbox Geocoding v6 forward search; results are stored, so <c>permanent=true</c> is asked for.</summary>
public sealed class MapboxGeocoder(HttpClient http, GeocodingOptions options) : HttpGeocoder(http, options, GeocodeProvider.Mapbox)
{
    public override async Task<GeocodeResult?> GeocodeAsync(GeocodeQuery query, CancellationToken cancellationToken)
    {
        var (status, body) = await GetAsync(Url("/search/geocode/v6/forward",
            ("q", query.SingleLine), ("country", "ca"), ("limit", "1"), ("permanent", "true"), ("access_token", Settings.Key)), cancellationToken);
        using (body)
        {
            if (status != HttpStatusCode.OK || body is null) throw Failure(status, body);
            if (!body.RootElement.TryGetProperty("features", out var features) || features.GetArrayLength() == 0) return null;
            var feature = features[0];
            var properties = feature.GetProperty("properties");
            double? lat = null, lng = null;
            if (properties.TryGetProperty("coordinates", out var coordinates))
            {
                lat = Number(coordinates, "latitude");
                lng = Number(coordinates, "longitude");
            }
            if ((lat is null || lng is null) && feature.TryGetProperty("geometry", out var geometry) &&
                geometry.TryGetProperty("coordinates", out var point) && point.GetArrayLength() >= 2)
            {
                lng = point[0].GetDouble();
                lat = point[1].GetDouble();
            }
            double confidence;
            if (properties.TryGetProperty("match_code", out var matchCode) && Text(matchCode, "confidence") is { } level)
            {
                confidence = level switch { "exact" => 100, "high" => 90, "medium" => 70, _ => 50 };
            }
            else
            {
                var accuracy = properties.TryGetProperty("coordinates", out var c) ? Text(c, "accuracy") : null;
                confidence = accuracy switch
                {
                    "rooftop" => 95,
                    "parcel" => 90,
                    "point" => 85,
                    "interpolated" => 75,
                    "intersection" => 60,
                    "street" => 50,
                    "approximate" => 30,
                    _ => Text(properties, "feature_type") switch { "address" => 80, "street" => 50, "postcode" => 40, _ => 25 },
                };
            }
            return Result(lat, lng, confidence, Text(properties, "full_address") ?? Text(properties, "place_formatted"));
        }
    }
}

/// <summary>
/// Nominatim <c>/search</c> (jsonv2). It has no match score: confidence comes from <c>place_rank</c> (30 is a
/// house) or the address type, nudged by <c>importance</c>.
/// </summary>
public sealed class NominatimGeocoder(HttpClient http, GeocodingOptions options) : HttpGeocoder(http, options, GeocodeProvider.Nominatim)
{
    public override bool IsConfigured => !string.IsNullOrEmpty(Settings.BaseUrl);

    public override async Task<GeocodeResult?> GeocodeAsync(GeocodeQuery query, CancellationToken cancellationToken)
    {
        var (status, body) = await GetAsync(Url("/search",
            ("q", query.SingleLine), ("format", "jsonv2"), ("limit", "1"), ("countrycodes", "ca"), ("addressdetails", "1"),
            ("email", Options.NominatimEmail)), cancellationToken);
        using (body)
        {
            if (body is null) throw Failure(status, body);
            var root = body.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out _)) throw Failure(status, body);
            if (status != HttpStatusCode.OK || root.ValueKind != JsonValueKind.Array) throw Failure(status, body);
            if (root.GetArrayLength() == 0) return null;
            var first = root[0];
            return Result(Number(first, "lat"), Number(first, "lon"), NominatimConfidence(first), Text(first, "display_name"));
        }
    }

    /// <summary>Shared with LocationIQ, whose answers have the Nominatim shape.</summary>
    public static double NominatimConfidence(JsonElement place)
    {
        var rank = Number(place, "place_rank");
        var type = Text(place, "addresstype") ?? Text(place, "type");
        var category = Text(place, "category") ?? Text(place, "class");
        double confidence = rank switch
        {
            >= 30 => 90,
            >= 26 => 60,
            >= 16 => 40,
            not null => 20,
            null => type switch
            {
                "house" or "building" or "apartments" or "residential" when category is "building" or "place" => 90,
                "house" or "building" => 90,
                _ when category == "highway" => 60,
                "postcode" or "suburb" or "neighbourhood" or "city" or "town" or "village" => 40,
                _ => 25,
            },
        };
        if (rank is not null && type is "house" or "building") confidence = Math.Max(confidence, 90);
        var importance = Number(place, "importance") ?? 0;
        return confidence + Math.Clamp(importance, 0, 1) * 8;
    }
}

/// <summary>
/// Photon (<c>/api?q=</c>): GeoJSON features in relevance order and no score, so confidence is inferred
/// from the object type and whether the house number and postal code match the question.
/// </summary>
public sealed class PhotonGeocoder(HttpClient http, GeocodingOptions options) : HttpGeocoder(http, options, GeocodeProvider.Photon)
{
    public override bool IsConfigured => !string.IsNullOrEmpty(Settings.BaseUrl);

    public override async Task<GeocodeResult?> GeocodeAsync(GeocodeQuery query, CancellationToken cancellationToken)
    {
        var (status, body) = await GetAsync(Url("/api", ("q", query.SingleLine), ("limit", "1"), ("countrycode", "CA")), cancellationToken);
        using (body)
        {
            if (status != HttpStatusCode.OK || body is null || body.RootElement.ValueKind != JsonValueKind.Object) throw Failure(status, body);
            if (!body.RootElement.TryGetProperty("features", out var features) || features.GetArrayLength() == 0) return null;
            var feature = features[0];
            var point = feature.GetProperty("geometry").GetProperty("coordinates");
            var properties = feature.GetProperty("properties");
            var type = Text(properties, "type");
            var houseNumber = Text(properties, "housenumber");
            double confidence = type switch
            {
                "house" => houseNumber is not null && query.HouseNumber is not null && houseNumber.StartsWith(query.HouseNumber, StringComparison.Ordinal) ? 90 : 75,
                "street" => 60,
                "district" or "locality" or "city" or "postcode" => 35,
                _ => 25,
            };
            if (query.PostalCode is not null && Text(properties, "postcode") is { } postcode &&
                PostalCode.Normalize(postcode) == PostalCode.Normalize(query.PostalCode))
                confidence += 5;
            var formatted = string.Join(", ", new[]
            {
                string.Join(' ', new[] { houseNumber, Text(properties, "street") ?? Text(properties, "name") }.Where(s => !string.IsNullOrEmpty(s))),
                Text(properties, "city"), Text(properties, "state"), Text(properties, "postcode"),
            }.Where(s => !string.IsNullOrEmpty(s)));
            return Result(point[1].GetDouble(), point[0].GetDouble(), confidence, formatted.Length == 0 ? null : formatted);
        }
    }
}

/// <summary>LocationIQ <c>/v1/search</c>: Nominatim-shaped answers, plus <c>matchquality</c>; 404 "Unable to geocode" means no match.</summary>
public sealed class LocationIqGeocoder(HttpClient http, GeocodingOptions options) : HttpGeocoder(http, options, GeocodeProvider.Locationiq)
{
    public override async Task<GeocodeResult?> GeocodeAsync(GeocodeQuery query, CancellationToken cancellationToken)
    {
        var (status, body) = await GetAsync(Url("/v1/search",
            ("key", Settings.Key), ("q", query.SingleLine), ("format", "json"), ("limit", "1"), ("countrycodes", "ca"),
            ("addressdetails", "1"), ("matchquality", "1"), ("normalizecity", "1")), cancellationToken);
        using (body)
        {
            if (status == HttpStatusCode.NotFound) return null;
            if (status != HttpStatusCode.OK || body is null || body.RootElement.ValueKind != JsonValueKind.Array) throw Failure(status, body);
            if (body.RootElement.GetArrayLength() == 0) return null;
            var first = body.RootElement[0];
            double confidence;
            if (first.TryGetProperty("matchquality", out var quality))
            {
                confidence = Text(quality, "matchlevel") switch
                {
                    "venue" or "building" => 95,
                    "street" => 60,
                    "postalcode" or "neighbourhood" or "island" or "borough" => 45,
                    "city" or "county" => 30,
                    _ => 15,
                };
                confidence -= Text(quality, "matchcode") switch { "exact" => 0, "fallback" => 10, _ => 20 };
                confidence -= Text(quality, "matchtype") switch { "interpolated" => 5, "centroid" => 10, _ => 0 };
            }
            else
            {
                confidence = NominatimGeocoder.NominatimConfidence(first);
            }
            return Result(Number(first, "lat"), Number(first, "lon"), confidence, Text(first, "display_name"));
        }
    }
}

/// <summary>
/// ArcGIS World Geocoding <c>findAddressCandidates</c>: a 0–100 score, lowered when the match is not a
/// point address; errors come back with HTTP 200 in an <c>error</c> object.
/// </summary>
public sealed class ArcGisGeocoder(HttpClient http, GeocodingOptions options) : HttpGeocoder(http, options, GeocodeProvider.Arcgis)
{
    public override async Task<GeocodeResult?> GeocodeAsync(GeocodeQuery query, CancellationToken cancellationToken)
    {
        var (status, body) = await GetAsync(Url("/arcgis/rest/services/World/GeocodeServer/findAddressCandidates",
            ("f", "json"), ("singleLine", query.SingleLine), ("countryCode", "CAN"), ("outFields", "Match_addr,Addr_type"),
            ("maxLocations", "1"), ("forStorage", "true"), ("token", Settings.Key)), cancellationToken);
        using (body)
        {
            if (body is null || body.RootElement.ValueKind != JsonValueKind.Object) throw Failure(status, body);
            var root = body.RootElement;
            if (root.TryGetProperty("error", out _) || status != HttpStatusCode.OK) throw Failure(status, body);
            if (!root.TryGetProperty("candidates", out var candidates) || candidates.GetArrayLength() == 0) return null;
            var best = candidates[0];
            var location = best.GetProperty("location");
            var score = Number(best, "score") ?? 0;
            var attributes = best.TryGetProperty("attributes", out var a) ? a : default;
            var addressType = attributes.ValueKind == JsonValueKind.Object ? Text(attributes, "Addr_type") : null;
            var confidence = addressType switch
            {
                null or "PointAddress" or "Subaddress" => score,
                "StreetAddress" or "StreetAddressExt" => score - 10,
                "StreetName" or "StreetInt" or "DistanceMarker" => Math.Min(score, 60),
                _ => Math.Min(score, 40),
            };
            return Result(Number(location, "y"), Number(location, "x"), confidence,
                Text(best, "address") ?? (attributes.ValueKind == JsonValueKind.Object ? Text(attributes, "Match_addr") : null));
        }
    }
}
