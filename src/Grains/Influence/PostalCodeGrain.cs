using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Influence;

/// <summary>
/// One postal code's representatives. The grain is not reentrant, so concurrent lookups of one code queue behind
/// the first: on a miss exactly one upstream call is made and the callers behind it are answered from memory.
/// Order of answers: memory while fresh, then the PostgreSQL cache (<c>postal_code_cache</c> + <c>representatives</c>)
/// while fresh, then Represent within the cluster's call budget; when Represent is down, slow or throttling, or the
/// budget is spent, the cached answer however old, and only without one a 503 with <c>Retry-After</c>.
/// Each frontend keeps a copy of the fresh answers it was given and answers public lookups from it without calling
/// this grain (<c>RepresentativeAnswers</c>); forgetting a code tells those copies through
/// <see cref="RepresentativeAnswersDirectoryGrain"/> before it returns.
/// </summary>
public sealed class PostalCodeGrain(
    NpgsqlDataSource db,
    RepresentClient represent,
    InfluenceSettings settings,
    TimeProvider time,
    ILogger<PostalCodeGrain> logger) : Grain, IPostalCodeGrain
{
    private static readonly TimeSpan FailureMemory = TimeSpan.FromSeconds(5);
    private RepresentativeLookup? _known;
    private bool _readDatabase;
    private DateTimeOffset _upstreamFailedAt = DateTimeOffset.MinValue;
    private TimeSpan _failedRetryAfter;

    private string Code => this.GetPrimaryKeyString();

    public async Task<RepresentativeLookup> Lookup()
    {
        var now = time.GetUtcNow();
        if (_known is not null && now - _known.CachedAt < settings.CacheFor) return _known with { Stale = false };
        if (!_readDatabase)
        {
            _known = await ReadCache() ?? _known;
            _readDatabase = true;
            if (_known is not null && now - _known.CachedAt < settings.CacheFor) return _known with { Stale = false };
        }
        // A failure a moment ago answers the callers queued behind it at once instead of each waiting out its own.
        if (now - _upstreamFailedAt < FailureMemory) return StaleOrUnavailable(_failedRetryAfter);

        var grant = await GrainFactory.GetGrain<IRepresentBudgetGrain>(0).Reserve(settings.MaxBudgetWait);
        if (!grant.Granted) return StaleOrUnavailable(grant.RetryAfter);
        if (grant.Wait > TimeSpan.Zero) await Task.Delay(grant.Wait, time);

        RepresentAnswer? answer;
        try
        {
            answer = await represent.PostcodeAsync(Code);
        }
        catch (RepresentUnavailableException ex)
        {
            logger.LogWarning("Represent lookup of {PostalCode} failed: {Reason}", Code, ex.Message);
            _upstreamFailedAt = time.GetUtcNow();
            _failedRetryAfter = ex.RetryAfter ?? TimeSpan.FromSeconds(30);
            return StaleOrUnavailable(_failedRetryAfter);
        }
        if (answer is null)
        {
            DeactivateOnIdle();
            throw DomainException.NotFound($"The postal code {Code}");
        }
        _known = await Store(answer);
        return _known;
    }

    public async Task Forget()
    {
        await ForgetMemory();
        // The frontends' copies of this code's answer go too, before the caller is answered.
        await GrainFactory.GetGrain<IRepresentativeAnswersDirectoryGrain>(0).Forget(Code);
    }

    public Task ForgetMemory()
    {
        _known = null;
        _readDatabase = false;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private RepresentativeLookup StaleOrUnavailable(TimeSpan retryAfter)
    {
        if (_known is not null) return _known with { Stale = true };
        throw new DomainException(DomainErrorKind.RateLimited, "The representatives service is unavailable; try again shortly.",
            extensions: new Dictionary<string, string>
            {
                ["retryAfterSeconds"] = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["upstream"] = "represent",
            });
    }

    private async Task<RepresentativeLookup?> ReadCache()
    {
        await using var connection = await db.OpenConnectionAsync();
        var code = await connection.Command("""
            SELECT city, province, centroid_lat::float8 AS lat, centroid_lng::float8 AS lng, last_updated
            FROM postal_code_cache WHERE postal_code = @code
            """, null, ("code", Code))
            .FirstOrDefaultAsync(r => (City: r.GetOrNull<string>("city"), Province: r.GetOrNull<string>("province"),
                Lat: r.GetValueOrNull<double>("lat"), Lng: r.GetValueOrNull<double>("lng"), At: r.Get<DateTimeOffset>("last_updated"), Found: true));
        if (!code.Found) return null;
        var representatives = await connection.Command(
                $"SELECT {InfluenceRows.RepresentativeColumns} FROM representatives WHERE postal_code = @code ORDER BY name, id", null, ("code", Code))
            .ListAsync(InfluenceRows.ReadRepresentative);
        return new RepresentativeLookup(Code, representatives, code.City, code.Province, code.Lat, code.Lng, code.At, false);
    }

    /// <summary>Replaces the code's cached rows with Represent's answer, in one transaction.</summary>
    private async Task<RepresentativeLookup> Store(RepresentAnswer answer)
    {
        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.Command("""
            INSERT INTO postal_code_cache (id, postal_code, city, province, centroid_lat, centroid_lng, last_updated)
            VALUES (@id, @code, @city, @province, @lat, @lng, @now)
            ON CONFLICT (postal_code) DO UPDATE SET city = EXCLUDED.city, province = EXCLUDED.province,
                centroid_lat = EXCLUDED.centroid_lat, centroid_lng = EXCLUDED.centroid_lng, last_updated = EXCLUDED.last_updated
            """, transaction, ("id", Ids.New()), ("code", Code), ("city", answer.City), ("province", answer.Province),
            ("lat", answer.Latitude is { } lat ? (decimal)Math.Round(lat, 8) : null),
            ("lng", answer.Longitude is { } lng ? (decimal)Math.Round(lng, 8) : null), ("now", now)).ExecuteAsync();
        await connection.Command("DELETE FROM representatives WHERE postal_code = @code", transaction, ("code", Code)).ExecuteAsync();
        foreach (var r in answer.Representatives)
            await connection.Command("""
                INSERT INTO representatives (id, postal_code, name, email, district_name, elected_office, party_name, representative_set_name,
                                             url, photo_url, offices, cached_at)
                VALUES (@id, @code, @name, @email, @district, @office, @party, @set, @url, @photo, @offices::jsonb, @now)
                """, transaction, ("id", Ids.New()), ("code", Code), ("name", r.Name), ("email", r.Email), ("district", r.DistrictName),
                ("office", r.ElectedOffice), ("party", r.PartyName), ("set", r.RepresentativeSetName), ("url", r.Url), ("photo", r.PhotoUrl),
                ("offices", InfluenceRows.OfficesJson(r.Offices)), ("now", now)).ExecuteAsync();
        await transaction.CommitAsync();
        return new RepresentativeLookup(Code, answer.Representatives, answer.City, answer.Province, answer.Latitude, answer.Longitude, now, false);
    }
}

/// <summary>
/// The cluster's one budget of Represent calls (a single grain, key 0): at most <c>REPRESENT_CALLS_PER_MINUTE</c> in any
/// minute. A caller gets the next free slot if it comes within the wait it accepts, else when to retry.
/// </summary>
public sealed class RepresentBudgetGrain(InfluenceSettings settings, TimeProvider time) : Grain, IRepresentBudgetGrain
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Queue<DateTimeOffset> _slots = new();

    public Task<BudgetGrant> Reserve(TimeSpan maxWait)
    {
        var now = time.GetUtcNow();
        while (_slots.Count > 0 && _slots.Peek() <= now - Window) _slots.Dequeue();
        DelayDeactivation(Window);
        if (_slots.Count < settings.CallsPerMinute)
        {
            _slots.Enqueue(now);
            return Task.FromResult(new BudgetGrant(true, TimeSpan.Zero, TimeSpan.Zero));
        }
        // Slots reserved ahead are in the queue too, in order: the next free one opens a minute after the one
        // CallsPerMinute places back.
        var at = _slots.ElementAt(_slots.Count - settings.CallsPerMinute) + Window;
        var wait = at - now;
        if (wait > maxWait) return Task.FromResult(new BudgetGrant(false, TimeSpan.Zero, wait));
        _slots.Enqueue(at);
        return Task.FromResult(new BudgetGrant(true, wait, TimeSpan.Zero));
    }

    public Task<int> CallsInLastMinute()
    {
        var now = time.GetUtcNow();
        return Task.FromResult(_slots.Count(s => s > now - Window && s <= now));
    }
}
