using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Influence;
using Microsoft.Extensions.Configuration;

namespace ChangemakerLite.Grains.Influence;

/// <summary>Tunables of the influence module, read once from configuration (environment variables).</summary>
public sealed record InfluenceSettings(
    string RepresentBaseUrl,
    TimeSpan CacheFor,
    int CallsPerMinute,
    TimeSpan UpstreamTimeout,
    TimeSpan MaxBudgetWait)
{
    public static InfluenceSettings From(IConfiguration configuration) => new(
        (configuration["REPRESENT_BASE_URL"] ?? "https://represent.opennorth.ca").TrimEnd('/'),
        TimeSpan.FromHours(Math.Max(0.0, configuration.GetValue("REPRESENT_CACHE_HOURS", 24.0))),
        Math.Max(1, configuration.GetValue("REPRESENT_CALLS_PER_MINUTE", 55)),
        TimeSpan.FromSeconds(Math.Max(0.1, configuration.GetValue("REPRESENT_TIMEOUT_SECONDS", 10.0))),
        TimeSpan.FromMilliseconds(Math.Max(0, configuration.GetValue("REPRESENT_MAX_WAIT_MS", 2000))));
}

/// <summary>What Represent answered for one postal code.</summary>
public sealed record RepresentAnswer(
    string? City, string? Province, double? Latitude, double? Longitude, IReadOnlyList<RepresentativeView> Representatives);

/// <summary>Represent could not answer now (down, slow, throttling); <see cref="RetryAfter"/> when it said so.</summary>
public sealed class RepresentUnavailableException(string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The HTTP client of Open North's Represent API (docs/external-formats.md §1): <c>GET /postcodes/{CODE}/</c> with the code
/// upper case and without its space; the centroid and concordance lists merged and deduplicated; "" read as absent.
/// A 404 means Represent does not know the code (an empty answer); 429, 503, other 5xx and timeouts are
/// <see cref="RepresentUnavailableException"/>.
/// </summary>
public sealed class RepresentClient(HttpClient http, InfluenceSettings settings)
{
    public string BaseUrl => settings.RepresentBaseUrl;

    /// <summary>The answer, or null when Represent has no such postal code.</summary>
    public async Task<RepresentAnswer?> PostcodeAsync(string postalCode, CancellationToken cancellationToken = default)
    {
        var code = postalCode.Replace(" ", "").ToUpperInvariant();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.UpstreamTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync($"{settings.RepresentBaseUrl}/postcodes/{code}/", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RepresentUnavailableException($"Represent did not answer within {settings.UpstreamTimeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException ex)
        {
            throw new RepresentUnavailableException($"Represent could not be reached: {ex.Message}");
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode)
                throw new RepresentUnavailableException($"Represent answered {(int)response.StatusCode}.", response.Headers.RetryAfter?.Delta);
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
                using var document = await JsonDocument.ParseAsync(stream, cancellationToken: timeout.Token);
                return Parse(document.RootElement);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new RepresentUnavailableException("Represent's answer did not arrive in time.");
            }
            catch (JsonException)
            {
                throw new RepresentUnavailableException("Represent's answer was not JSON.");
            }
        }
    }

    /// <summary>Asks Represent for its root document: is it there, and how fast.</summary>
    public async Task<(bool Reachable, int? Status, long ElapsedMs, string? Error)> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.UpstreamTimeout);
        try
        {
            using var response = await http.GetAsync($"{settings.RepresentBaseUrl}/boundary-sets/?limit=1", timeout.Token);
            return (response.IsSuccessStatusCode, (int)response.StatusCode, watch.ElapsedMilliseconds,
                response.IsSuccessStatusCode ? null : $"Represent answered {(int)response.StatusCode}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return (false, null, watch.ElapsedMilliseconds, ex is OperationCanceledException ? "timed out" : ex.Message);
        }
    }

    public static RepresentAnswer Parse(JsonElement root)
    {
        double? lat = null, lng = null;
        if (root.TryGetProperty("centroid", out var centroid) && centroid.ValueKind == JsonValueKind.Object &&
            centroid.TryGetProperty("coordinates", out var coordinates) && coordinates.ValueKind == JsonValueKind.Array &&
            coordinates.GetArrayLength() >= 2)
        {
            lng = coordinates[0].GetDouble();
            lat = coordinates[1].GetDouble();
        }
        var seen = new HashSet<(string, string?, string?)>();
        var representatives = new List<RepresentativeView>();
        foreach (var key in new[] { "representatives_concordance", "representatives_centroid" })
        {
            if (!root.TryGetProperty(key, out var list) || list.ValueKind != JsonValueKind.Array) continue;
            foreach (var item in list.EnumerateArray())
            {
                var representative = ParseRepresentative(item);
                if (representative is null) continue;
                if (seen.Add((representative.Name, representative.ElectedOffice, representative.DistrictName))) representatives.Add(representative);
            }
        }
        return new RepresentAnswer(Text(root, "city"), Text(root, "province"), lat, lng, representatives);
    }

    private static RepresentativeView? ParseRepresentative(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || Text(item, "name") is not { } name) return null;
        var offices = new List<RepresentativeOffice>();
        if (item.TryGetProperty("offices", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var office in list.EnumerateArray())
                if (office.ValueKind == JsonValueKind.Object)
                    offices.Add(new RepresentativeOffice(Text(office, "type"), Text(office, "tel"), Text(office, "fax"), Text(office, "postal")));
        string? boundaryUrl = null;
        if (item.TryGetProperty("related", out var related) && related.ValueKind == JsonValueKind.Object) boundaryUrl = Text(related, "boundary_url");
        var setName = Text(item, "representative_set_name");
        var office1 = Text(item, "elected_office");
        return new RepresentativeView(name, Text(item, "email"), office1, Text(item, "district_name"), Text(item, "party_name"),
            InfluenceRules.LevelOf(setName, office1, boundaryUrl), Text(item, "url"), Text(item, "photo_url"), offices, setName);
    }

    /// <summary>A text field, with "", null and a missing key all read as absent.</summary>
    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : null;
}
