using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Influence;
using Microsoft.Extensions.Options;

namespace ChangemakerLite.WebFrontend.Influence;

/// <summary>
/// This frontend's copy of the public lookup answers: a fresh answer (not stale, younger than
/// <c>REPRESENT_CACHE_HOURS</c>) is kept as the JSON bytes it was sent as, and the next lookups of that code are
/// answered from them without calling the code's grain, the busiest public read taking no cluster hop and no
/// serialization. The copy is exact: a code's grain, when its cache is cleared, tells every frontend registered in
/// <see cref="IRepresentativeAnswersDirectoryGrain"/> and waits for them; this frontend renews its entry every few
/// seconds, uses its copy only while its last renewal is younger than the directory's lease, and drops the whole copy
/// when a renewal finds it was not registered (it may have missed a forget). An answer taken from the grain while a
/// forget arrived is not kept. <c>REPRESENT_FRONTEND_CACHE=false</c> sends every lookup to the code's grain.
/// </summary>
public sealed class RepresentativeAnswers(
    IClusterClient cluster,
    IConfiguration configuration,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    TimeProvider time,
    ILogger<RepresentativeAnswers> logger) : BackgroundService, IRepresentativeAnswersObserver
{
    private static readonly TimeSpan RenewPeriod = TimeSpan.FromSeconds(5);
    // The directory's lease (15 s) less a margin: past it, the directory may have dropped this frontend unheard.
    private static readonly TimeSpan UsableFor = TimeSpan.FromSeconds(12);

    private readonly string _frontendId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly bool _enabled = configuration.GetValue("REPRESENT_FRONTEND_CACHE", true);
    private readonly TimeSpan _cacheFor = TimeSpan.FromHours(Math.Max(0.0, configuration.GetValue("REPRESENT_CACHE_HOURS", 24.0)));
    private readonly ConcurrentDictionary<string, Entry> _answers = new();
    private long _forgets;
    private long _renewedAt = long.MinValue;

    private sealed record Entry(byte[] Json, DateTimeOffset FreshUntil);

    private bool Usable
    {
        get
        {
            var renewed = Interlocked.Read(ref _renewedAt);
            return _enabled && renewed != long.MinValue && Stopwatch.GetElapsedTime(renewed) < UsableFor;
        }
    }

    /// <summary>The public answer for a (normalised) postal code, from the copy while it is fresh, else from the code's grain.</summary>
    public async Task<IResult> Lookup(string code)
    {
        if (_answers.TryGetValue(code, out var kept) && time.GetUtcNow() < kept.FreshUntil && Usable)
            return Results.Bytes(kept.Json, "application/json; charset=utf-8");
        var forgets = Interlocked.Read(ref _forgets);
        var lookup = await cluster.GetGrain<IPostalCodeGrain>(code).Lookup();
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new PublicLookup(lookup.PostalCode, lookup.Representatives, lookup.Stale),
            json.Value.SerializerOptions);
        var freshUntil = lookup.CachedAt + _cacheFor;
        if (!lookup.Stale && freshUntil > time.GetUtcNow() && Usable)
        {
            _answers[code] = new Entry(bytes, freshUntil);
            // A forget that came in while the grain answered may concern this answer: it is not kept.
            if (Interlocked.Read(ref _forgets) != forgets) _answers.TryRemove(code, out _);
        }
        return Results.Bytes(bytes, "application/json; charset=utf-8");
    }

    public Task Forget(string? postalCode)
    {
        Interlocked.Increment(ref _forgets);
        if (postalCode is null) _answers.Clear();
        else _answers.TryRemove(postalCode, out _);
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var self = cluster.CreateObjectReference<IRepresentativeAnswersObserver>(this);
        var directory = cluster.GetGrain<IRepresentativeAnswersDirectoryGrain>(0);
        using var timer = new PeriodicTimer(RenewPeriod);
        try
        {
            do
            {
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    if (!await directory.Register(_frontendId, self)) await Forget(null);
                    Interlocked.Exchange(ref _renewedAt, started);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Could not renew this frontend's entry for lookup answers; retrying");
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Interlocked.Exchange(ref _renewedAt, long.MinValue);
            try
            {
                await directory.Unregister(_frontendId).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "Could not leave the directory of lookup answers");
            }
            cluster.DeleteObjectReference<IRepresentativeAnswersObserver>(self);
        }
    }
}
