using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Influence;

/// <summary>Lists and lookups over many influence rows: plain SQL on any silo, never a fan-out over grains.</summary>
[StatelessWorker]
public sealed class InfluenceQueryGrain(NpgsqlDataSource db, InfluenceSettings settings, RepresentClient represent, TimeProvider time)
    : Grain, IInfluenceQueryGrain
{
    public async Task<Page<CampaignView>> ListCampaigns(CampaignFilter filter, PageRequest page)
    {
        const string where = """
            WHERE (@status::campaign_status IS NULL OR c.status = @status::campaign_status)
              AND (@owner::uuid IS NULL OR c.created_by_user_id = @owner::uuid)
              AND (@search::text IS NULL OR c.title ILIKE @search::text OR c.description ILIKE @search::text)
            """;
        (string, object?)[] parameters =
        [
            ("status", filter.Status), ("owner", filter.OnlyCreatedBy),
            ("search", string.IsNullOrWhiteSpace(filter.Search) ? null : $"%{EscapeLike(filter.Search.Trim())}%"),
        ];
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command($"SELECT count(*) FROM campaigns c {where}", null, parameters).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {InfluenceRows.CampaignColumns}, {InfluenceRows.CountColumns} FROM campaigns c {where}
            ORDER BY c.created_at DESC, c.id LIMIT @limit OFFSET @offset
            """, null, [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)])
            .ListAsync(r => InfluenceRows.ReadCampaign(r, withCounts: true));
        return new Page<CampaignView>(items, total, page.Page, page.PageSize);
    }

    public async Task<Page<PublicCampaignView>> ListPublicCampaigns(PageRequest page)
    {
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command("SELECT count(*) FROM campaigns WHERE status = 'ACTIVE'").ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {InfluenceRows.CampaignColumns}, {InfluenceRows.CountColumns} FROM campaigns c WHERE c.status = 'ACTIVE'
            ORDER BY c.highlight_campaign DESC, c.created_at DESC, c.id LIMIT @limit OFFSET @offset
            """, null, ("limit", page.PageSize), ("offset", page.Offset))
            .ListAsync(r => PublicCampaignView.From(InfluenceRows.ReadCampaign(r, withCounts: true)));
        return new Page<PublicCampaignView>(items, total, page.Page, page.PageSize);
    }

    public async Task<Guid?> CampaignIdBySlug(string slug)
    {
        var id = await db.Command("SELECT id FROM campaigns WHERE slug = @slug", ("slug", slug)).ScalarAsync<Guid>();
        return id == Guid.Empty ? null : id;
    }

    public async Task<CampaignEmailsPage> CampaignEmails(Guid campaignId, PageRequest page)
    {
        await using var connection = await db.OpenConnectionAsync();
        var exists = await connection.Command("SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = @id)", null, ("id", campaignId)).ScalarAsync<bool>();
        if (!exists) throw DomainException.NotFound("The campaign");
        var byStatus = await connection.Command(
                "SELECT status::text AS k, count(*) AS n FROM campaign_emails WHERE campaign_id = @id GROUP BY status", null, ("id", campaignId))
            .ListAsync(r => (K: r.Get<string>("k"), N: r.Get<long>("n")));
        var byMethod = await connection.Command(
                "SELECT email_method::text AS k, count(*) AS n FROM campaign_emails WHERE campaign_id = @id GROUP BY email_method", null,
                ("id", campaignId))
            .ListAsync(r => (K: r.Get<string>("k"), N: r.Get<long>("n")));
        var items = await connection.Command("""
            SELECT id, recipient_email, recipient_name, recipient_title, recipient_level, email_method, status, subject, user_name, user_email,
                   user_postal_code, sent_at
            FROM campaign_emails WHERE campaign_id = @id ORDER BY sent_at DESC, id LIMIT @limit OFFSET @offset
            """, null, ("id", campaignId), ("limit", page.PageSize), ("offset", page.Offset)).ListAsync(InfluenceRows.ReadEmail);
        return new CampaignEmailsPage(items, byStatus.Sum(s => s.N), page.Page, page.PageSize,
            Enum.GetValues<CampaignEmailStatus>().ToDictionary(EnumWireNames.ToWireName, s => byStatus.FirstOrDefault(b => b.K == EnumWireNames.ToWireName(s)).N),
            Enum.GetValues<EmailMethod>().ToDictionary(EnumWireNames.ToWireName, m => byMethod.FirstOrDefault(b => b.K == EnumWireNames.ToWireName(m)).N));
    }

    public async Task<RepresentativeCacheView> RepresentativeCache(string? postalCode, PageRequest page)
    {
        var code = PostalCode.Normalize(postalCode);
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command("SELECT count(*) FROM representatives WHERE (@code::text IS NULL OR postal_code = @code::text)", null,
            ("code", code)).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {InfluenceRows.RepresentativeColumns} FROM representatives WHERE (@code::text IS NULL OR postal_code = @code::text)
            ORDER BY cached_at DESC, postal_code, id LIMIT @limit OFFSET @offset
            """, null, ("code", code), ("limit", page.PageSize), ("offset", page.Offset))
            .ListAsync(r => new CachedRepresentativeRow(r.Get<Guid>("id"), r.Get<string>("postal_code"), InfluenceRows.ReadRepresentative(r),
                r.Get<DateTimeOffset>("cached_at")));
        var stats = await connection.Command("""
            SELECT (SELECT count(*) FROM representatives) AS reps, count(*) AS codes,
                   count(*) FILTER (WHERE last_updated > @freshSince) AS fresh, min(last_updated) AS oldest, max(last_updated) AS newest
            FROM postal_code_cache
            """, null, ("freshSince", time.GetUtcNow() - settings.CacheFor))
            .FirstOrDefaultAsync(r => new RepresentativeCacheStats(r.Get<long>("reps"), r.Get<long>("codes"), r.Get<long>("fresh"),
                r.GetValueOrNull<DateTimeOffset>("oldest"), r.GetValueOrNull<DateTimeOffset>("newest"), (int)settings.CacheFor.TotalHours));
        return new RepresentativeCacheView(items, total, page.Page, page.PageSize, stats!);
    }

    public async Task<IReadOnlyList<string>> ClearRepresentativeCache(string? postalCode)
    {
        var code = PostalCode.Normalize(postalCode);
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var codes = await connection.Command(
                "DELETE FROM postal_code_cache WHERE (@code::text IS NULL OR postal_code = @code::text) RETURNING postal_code", transaction,
                ("code", code))
            .ListAsync(r => r.Get<string>("postal_code"));
        var orphanCodes = await connection.Command(
                "DELETE FROM representatives WHERE (@code::text IS NULL OR postal_code = @code::text) RETURNING postal_code", transaction,
                ("code", code))
            .ListAsync(r => r.Get<string>("postal_code"));
        await transaction.CommitAsync();
        var cleared = codes.Concat(orphanCodes).Append(code).OfType<string>().Distinct().ToList();
        // Each code's grain forgets what it holds in memory, and so does every frontend's copy, so the next lookup asks again.
        if (code is not null)
        {
            await GrainFactory.GetGrain<IPostalCodeGrain>(code).Forget();
            return cleared;
        }
        await Task.WhenAll(cleared.Select(c => GrainFactory.GetGrain<IPostalCodeGrain>(c).ForgetMemory()));
        await GrainFactory.GetGrain<IRepresentativeAnswersDirectoryGrain>(0).Forget(null);
        return cleared;
    }

    public async Task<PostalCodeStats> PostalCodeStats()
    {
        await using var connection = await db.OpenConnectionAsync();
        var byProvince = await connection.Command(
                "SELECT coalesce(province, '') AS province, count(*) AS n FROM postal_code_cache GROUP BY province ORDER BY province")
            .ListAsync(r => (P: r.Get<string>("province"), N: r.Get<long>("n")));
        var recent = await connection.Command("""
            SELECT p.postal_code, p.city, p.province, p.centroid_lat::float8 AS lat, p.centroid_lng::float8 AS lng, p.last_updated,
                   (SELECT count(*)::int FROM representatives r WHERE r.postal_code = p.postal_code) AS reps
            FROM postal_code_cache p ORDER BY p.last_updated DESC, p.postal_code LIMIT 50
            """).ListAsync(ReadPostalCode);
        return new PostalCodeStats(byProvince.Sum(p => p.N), byProvince.ToDictionary(p => p.P, p => p.N), recent);
    }

    public async Task<UpstreamHealth> UpstreamHealth()
    {
        var probe = await represent.ProbeAsync();
        var calls = await GrainFactory.GetGrain<IRepresentBudgetGrain>(0).CallsInLastMinute();
        return new UpstreamHealth(probe.Reachable, probe.Status, probe.ElapsedMs, represent.BaseUrl, calls, settings.CallsPerMinute, probe.Error);
    }

    public async Task<Page<PublicResponseView>> PublicResponses(Guid campaignId, ResponseSort sort, PageRequest page)
    {
        var order = sort switch
        {
            ResponseSort.Upvotes => "upvote_count DESC, created_at DESC, id",
            ResponseSort.Verified => "is_verified DESC, created_at DESC, id",
            _ => "created_at DESC, id",
        };
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command(
            "SELECT count(*) FROM representative_responses WHERE campaign_id = @id AND status = 'APPROVED'", null, ("id", campaignId)).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {InfluenceRows.ResponseColumns} FROM representative_responses WHERE campaign_id = @id AND status = 'APPROVED'
            ORDER BY {order} LIMIT @limit OFFSET @offset
            """, null, ("id", campaignId), ("limit", page.PageSize), ("offset", page.Offset))
            .ListAsync(r => PublicResponseView.From(InfluenceRows.ReadResponse(r)));
        return new Page<PublicResponseView>(items, total, page.Page, page.PageSize);
    }

    public async Task<Page<ResponseView>> Responses(Guid? campaignId, ResponseStatus? status, PageRequest page)
    {
        const string where = """
            WHERE (@campaign::uuid IS NULL OR campaign_id = @campaign::uuid)
              AND (@status::response_status IS NULL OR status = @status::response_status)
            """;
        (string, object?)[] parameters = [("campaign", campaignId), ("status", status)];
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command($"SELECT count(*) FROM representative_responses {where}", null, parameters).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {InfluenceRows.ResponseColumns} FROM representative_responses {where}
            ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset
            """, null, [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)]).ListAsync(InfluenceRows.ReadResponse);
        return new Page<ResponseView>(items, total, page.Page, page.PageSize);
    }

    public async Task<InfluenceStats> Stats(int recentEmails)
    {
        // Every figure is read through an index (campaign_emails.sent_at) or from small tables; no count of all emails,
        // which a viral campaign makes a table of millions.
        var since = time.GetUtcNow().AddHours(-24);
        await using var connection = await db.OpenConnectionAsync();
        var counts = await connection.Command("""
            SELECT (SELECT count(*) FROM campaigns WHERE status = 'ACTIVE')::int AS active,
                   (SELECT count(*) FROM campaigns)::int AS campaigns,
                   (SELECT count(*) FROM representative_responses WHERE status = 'PENDING') AS pending
            """).FirstOrDefaultAsync(r => (Active: r.Get<int>("active"), Campaigns: r.Get<int>("campaigns"), Pending: r.Get<long>("pending")));
        var byStatus = await connection.Command(
                "SELECT status::text AS k, count(*) AS n FROM campaign_emails WHERE sent_at >= @since GROUP BY status", null, ("since", since))
            .ListAsync(r => (K: r.Get<string>("k"), N: r.Get<long>("n")));
        var recent = await connection.Command("""
            SELECT e.id, e.campaign_id, c.title, e.recipient_email, e.recipient_name, e.email_method, e.status, e.sent_at
            FROM campaign_emails e JOIN campaigns c ON c.id = e.campaign_id
            ORDER BY e.sent_at DESC, e.id LIMIT @limit
            """, null, ("limit", recentEmails)).ListAsync(r => new RecentCampaignEmail(r.Get<Guid>("id"), r.Get<Guid>("campaign_id"),
            r.Get<string>("title"), r.Get<string>("recipient_email"), r.GetOrNull<string>("recipient_name"), r.Get<EmailMethod>("email_method"),
            r.Get<CampaignEmailStatus>("status"), r.Get<DateTimeOffset>("sent_at")));
        return new InfluenceStats(counts.Active, counts.Campaigns, counts.Pending, byStatus.Sum(s => s.N),
            Enum.GetValues<CampaignEmailStatus>().ToDictionary(EnumWireNames.ToWireName, s => byStatus.FirstOrDefault(b => b.K == EnumWireNames.ToWireName(s)).N),
            recent);
    }

    public async Task<Guid?> ResponseIdByToken(string token, bool verify)
    {
        var id = await db.Command(verify
            ? "SELECT id FROM representative_responses WHERE verification_token = @token"
            : "SELECT id FROM representative_responses WHERE report_token = @token", ("token", token)).ScalarAsync<Guid>();
        return id == Guid.Empty ? null : id;
    }

    private static PostalCodeView ReadPostalCode(NpgsqlDataReader r) => new(r.Get<string>("postal_code"), r.GetOrNull<string>("city"),
        r.GetOrNull<string>("province"), r.GetValueOrNull<double>("lat"), r.GetValueOrNull<double>("lng"), r.Get<int>("reps"),
        r.Get<DateTimeOffset>("last_updated"));

    private static string EscapeLike(string value) => value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
