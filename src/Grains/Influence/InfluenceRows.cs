using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Influence;

/// <summary>Column lists and readers of the influence tables, shared by the grains and the query grain.</summary>
public static class InfluenceRows
{
    public const string CampaignColumns = """
        id, slug, title, description, email_subject, email_body, call_to_action, cover_photo, status, target_government_levels,
        allow_smtp_email, allow_mailto_link, collect_user_info, show_email_count, show_call_count, allow_email_editing,
        allow_custom_recipients, show_response_wall, highlight_campaign, submitted_for_review, created_by_user_id,
        created_by_user_email, created_by_user_name, version, created_at, updated_at
        """;

    /// <summary>The counters of a campaign, from its rows (the grain loads them once, then keeps them).</summary>
    public const string CountColumns = """
        (SELECT count(*)::int FROM campaign_emails e WHERE e.campaign_id = c.id) AS email_count,
        (SELECT count(*)::int FROM calls k WHERE k.campaign_id = c.id) AS call_count,
        (SELECT count(*)::int FROM representative_responses r WHERE r.campaign_id = c.id) AS response_count,
        (SELECT coalesce(sum(r.upvote_count), 0)::int FROM representative_responses r WHERE r.campaign_id = c.id) AS upvote_count
        """;

    public static CampaignView ReadCampaign(NpgsqlDataReader r, bool withCounts) => new(
        r.Get<Guid>("id"),
        r.Get<string>("slug"),
        r.Get<string>("title"),
        r.GetOrNull<string>("description"),
        r.Get<string>("email_subject"),
        r.Get<string>("email_body"),
        r.GetOrNull<string>("call_to_action"),
        r.GetOrNull<string>("cover_photo"),
        r.Get<CampaignStatus>("status"),
        r.Get<GovernmentLevel[]>("target_government_levels"),
        r.Get<bool>("allow_smtp_email"),
        r.Get<bool>("allow_mailto_link"),
        r.Get<bool>("collect_user_info"),
        r.Get<bool>("show_email_count"),
        r.Get<bool>("show_call_count"),
        r.Get<bool>("allow_email_editing"),
        r.Get<bool>("allow_custom_recipients"),
        r.Get<bool>("show_response_wall"),
        r.Get<bool>("highlight_campaign"),
        r.Get<bool>("submitted_for_review"),
        r.GetValueOrNull<Guid>("created_by_user_id"),
        r.GetOrNull<string>("created_by_user_email"),
        r.GetOrNull<string>("created_by_user_name"),
        withCounts ? r.Get<int>("email_count") : 0,
        withCounts ? r.Get<int>("call_count") : 0,
        withCounts ? r.Get<int>("response_count") : 0,
        withCounts ? r.Get<int>("upvote_count") : 0,
        r.Get<DateTimeOffset>("created_at"),
        r.Get<DateTimeOffset>("updated_at"));

    public const string CustomRecipientColumns = """
        id, campaign_id, recipient_name, recipient_email, recipient_title, recipient_organization, notes, is_active, created_at, updated_at
        """;

    public static CustomRecipientView ReadCustomRecipient(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"), r.Get<Guid>("campaign_id"), r.Get<string>("recipient_name"), r.Get<string>("recipient_email"),
        r.GetOrNull<string>("recipient_title"), r.GetOrNull<string>("recipient_organization"), r.GetOrNull<string>("notes"),
        r.Get<bool>("is_active"), r.Get<DateTimeOffset>("created_at"), r.Get<DateTimeOffset>("updated_at"));

    public const string ResponseColumns = """
        id, campaign_id, campaign_slug, representative_name, representative_title, representative_level, representative_email,
        response_type, response_text, user_comment, submitted_by_user_id, submitted_by_name, submitted_by_email, is_anonymous, status,
        is_verified, verified_at, verified_by, upvote_count, reported_at, created_at, updated_at
        """;

    public static ResponseView ReadResponse(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"), r.Get<Guid>("campaign_id"), r.Get<string>("campaign_slug"), r.Get<string>("representative_name"),
        r.GetOrNull<string>("representative_title"), r.Get<GovernmentLevel>("representative_level"), r.GetOrNull<string>("representative_email"),
        r.Get<ResponseType>("response_type"), r.Get<string>("response_text"), r.GetOrNull<string>("user_comment"),
        r.GetValueOrNull<Guid>("submitted_by_user_id"), r.GetOrNull<string>("submitted_by_name"), r.GetOrNull<string>("submitted_by_email"),
        r.Get<bool>("is_anonymous"), r.Get<ResponseStatus>("status"), r.Get<bool>("is_verified"), r.GetValueOrNull<DateTimeOffset>("verified_at"),
        r.GetOrNull<string>("verified_by"), r.Get<int>("upvote_count"), r.GetValueOrNull<DateTimeOffset>("reported_at"),
        r.Get<DateTimeOffset>("created_at"), r.Get<DateTimeOffset>("updated_at"));

    public const string RepresentativeColumns = """
        id, postal_code, name, email, district_name, elected_office, party_name, representative_set_name, url, photo_url, offices::text AS offices, cached_at
        """;

    private static readonly JsonSerializerOptions OfficeJson = new(JsonSerializerDefaults.Web);

    public static string OfficesJson(IReadOnlyList<RepresentativeOffice> offices) => JsonSerializer.Serialize(offices, OfficeJson);

    public static RepresentativeView ReadRepresentative(NpgsqlDataReader r)
    {
        var setName = r.GetOrNull<string>("representative_set_name");
        var office = r.GetOrNull<string>("elected_office");
        var offices = r.GetOrNull<string>("offices") is { } json
            ? JsonSerializer.Deserialize<List<RepresentativeOffice>>(json, OfficeJson) ?? []
            : [];
        return new RepresentativeView(r.GetOrNull<string>("name") ?? "", r.GetOrNull<string>("email"), office, r.GetOrNull<string>("district_name"),
            r.GetOrNull<string>("party_name"), InfluenceRules.LevelOf(setName, office, null), r.GetOrNull<string>("url"),
            r.GetOrNull<string>("photo_url"), offices, setName);
    }

    public static CampaignEmailView ReadEmail(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"), r.Get<string>("recipient_email"), r.GetOrNull<string>("recipient_name"), r.GetOrNull<string>("recipient_title"),
        r.GetValueOrNull<GovernmentLevel>("recipient_level"), r.Get<EmailMethod>("email_method"), r.Get<CampaignEmailStatus>("status"),
        r.Get<string>("subject"), r.GetOrNull<string>("user_name"), r.GetOrNull<string>("user_email"), r.GetOrNull<string>("user_postal_code"),
        r.Get<DateTimeOffset>("sent_at"));
}
