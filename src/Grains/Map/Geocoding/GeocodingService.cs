using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Map.Geocoding;

/// <summary>What a lookup came to: the answer (or none), and why each provider that failed did.</summary>
public sealed record GeocodeOutcome(GeocodeResult? Result, IReadOnlyList<string> Failures, bool FromCache);

/// <summary>
/// Cluster-wide pacing of one provider (key: the provider's wire name). One activation hands out send
/// times, so that N silos together stay within e.g. Nominatim's one request per second, which a per-process
/// limiter could not promise.
/// </summary>
[Alias("cml.map.IGeocodeThrottleGrain")]
public interface IGeocodeThrottleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Reserves the next send slot; the caller waits the returned delay before sending. When the slot is further
    /// away than <paramref name="maxDelay"/> nothing is reserved and null comes back: an admin waiting on a page
    /// should not queue behind a bulk job.
    /// </summary>
    [Alias("Reserve")] Task<TimeSpan?> Reserve(double requestsPerSecond, TimeSpan? maxDelay);
}

public sealed class GeocodeThrottleGrain(TimeProvider time) : Grain, IGeocodeThrottleGrain
{
    private DateTimeOffset _nextFree = DateTimeOffset.MinValue;

    public Task<TimeSpan?> Reserve(double requestsPerSecond, TimeSpan? maxDelay)
    {
        var now = time.GetUtcNow();
        var slot = _nextFree > now ? _nextFree : now;
        if (maxDelay is { } limit && slot - now > limit) return Task.FromResult<TimeSpan?>(null);
        _nextFree = slot + TimeSpan.FromSeconds(1 / Math.Max(requestsPerSecond, 0.001));
        return Task.FromResult<TimeSpan?>(slot - now);
    }
}

/// <summary>
/// The fallback chain: each provider in the configured order (or only the one asked for) is tried until one
/// finds the address. Answers are cached in PostgreSQL (map_geocode_cache) rather than in memory: every silo
/// shares them, they survive restarts, and with Nominatim at one request per second a lost cache is costly.
/// </summary>
public sealed class GeocodingService(
    IEnumerable<IGeocoder> geocoders,
    GeocodingOptions options,
    NpgsqlDataSource db,
    IGrainFactory grains,
    TimeProvider time,
    ILogger<GeocodingService> logger)
{
    private readonly Dictionary<GeocodeProvider, IGeocoder> _geocoders = geocoders.ToDictionary(g => g.Provider);

    public bool IsConfigured(GeocodeProvider provider) => _geocoders.TryGetValue(provider, out var g) && g.IsConfigured;

    public IReadOnlyList<GeocodeProvider> ConfiguredOrder =>
        options.Order.Where(p => _geocoders.TryGetValue(p, out var g) && g.IsConfigured).ToList();

    /// <summary>Interactive lookups (an admin waiting) give up on a provider whose queue is longer than this.</summary>
    public static readonly TimeSpan InteractiveMaxQueue = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Tries the chain. <paramref name="deadline"/> bounds an interactive lookup as a whole (a grain call must
    /// answer well within the cluster's response timeout); bulk jobs pass none and wait their turn.
    /// </summary>
    public async Task<GeocodeOutcome> GeocodeAsync(GeocodeQuery query, GeocodeProvider? only, CancellationToken cancellationToken = default,
        TimeSpan? deadline = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (deadline is { } limit) timeout.CancelAfter(limit);
        try
        {
            return await Chain(query, only, timeout.Token, deadline is null ? null : InteractiveMaxQueue);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new GeocodeOutcome(null, [$"Geocoding took longer than {deadline!.Value.TotalSeconds:0} s."], FromCache: false);
        }
    }

    private async Task<GeocodeOutcome> Chain(GeocodeQuery query, GeocodeProvider? only, CancellationToken cancellationToken, TimeSpan? maxQueue)
    {
        IReadOnlyList<GeocodeProvider> chain;
        if (only is { } single)
        {
            if (!_geocoders.TryGetValue(single, out var chosen) || !chosen.IsConfigured)
                throw Interfaces.Platform.DomainException.Invalid("provider", $"{Interfaces.Platform.EnumWireNames.ToWireName(single)} is not configured on this system.");
            chain = [single];
        }
        else
        {
            chain = ConfiguredOrder;
        }
        var failures = new List<string>();
        var key = query.CacheKey;
        foreach (var provider in chain)
        {
            var cached = await ReadCache(provider, key, cancellationToken);
            if (cached is { } hit)
            {
                if (hit.Result is not null) return new GeocodeOutcome(hit.Result, failures, FromCache: true);
                continue;
            }
            var geocoder = _geocoders[provider];
            var delay = await grains.GetGrain<IGeocodeThrottleGrain>(Interfaces.Platform.EnumWireNames.ToWireName(provider))
                .Reserve(options.For(provider).RequestsPerSecond, maxQueue);
            if (delay is null)
            {
                failures.Add($"{provider} is busy (its rate limit is taken by other lookups).");
                continue;
            }
            if (delay > TimeSpan.Zero) await Task.Delay(delay.Value, time, cancellationToken);
            try
            {
                var result = await geocoder.GeocodeAsync(query, cancellationToken);
                await WriteCache(provider, key, result, cancellationToken);
                if (result is not null) return new GeocodeOutcome(result, failures, FromCache: false);
            }
            catch (GeocoderException ex)
            {
                logger.LogWarning("Geocoder {Provider} failed: {Message}", provider, ex.Message);
                failures.Add(ex.Message);
            }
        }
        return new GeocodeOutcome(null, failures, FromCache: false);
    }

    private async Task<(GeocodeResult? Result, bool Found)?> ReadCache(GeocodeProvider provider, string key, CancellationToken cancellationToken)
    {
        await using var command = db.Command("""
            SELECT found, latitude, longitude, confidence, formatted FROM map_geocode_cache
            WHERE provider = @provider AND query_key = @key AND expires_at > now()
            """, ("provider", provider), ("key", key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        if (!reader.Get<bool>("found")) return (null, false);
        return (new GeocodeResult(provider, reader.Get<double>("latitude"), reader.Get<double>("longitude"),
            reader.Get<int>("confidence"), reader.GetOrNull<string>("formatted")), true);
    }

    private async Task WriteCache(GeocodeProvider provider, string key, GeocodeResult? result, CancellationToken cancellationToken)
    {
        var ttl = result is null ? options.NegativeCacheTtl : options.CacheTtl;
        if (ttl <= TimeSpan.Zero) return;
        await db.Command("""
            INSERT INTO map_geocode_cache (provider, query_key, found, latitude, longitude, confidence, formatted, expires_at)
            VALUES (@provider, @key, @found, @lat, @lng, @confidence, @formatted, now() + @ttl)
            ON CONFLICT (provider, query_key) DO UPDATE SET found = EXCLUDED.found, latitude = EXCLUDED.latitude,
                longitude = EXCLUDED.longitude, confidence = EXCLUDED.confidence, formatted = EXCLUDED.formatted,
                expires_at = EXCLUDED.expires_at, created_at = now()
            """, ("provider", provider), ("key", key), ("found", result is not null), ("lat", result?.Latitude), ("lng", result?.Longitude),
            ("confidence", result?.Confidence), ("formatted", result?.FormattedAddress), ("ttl", ttl)).ExecuteAsync(cancellationToken);
    }
}
