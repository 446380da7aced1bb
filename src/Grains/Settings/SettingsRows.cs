using ChangemakerLite.Grains.Interfaces.Settings;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Settings;

/// <summary>The site_settings row as the settings grain holds it; <see cref="SmtpPassEncrypted"/> is the stored ciphertext, never plaintext.</summary>
public sealed record SiteSettingsRow(
    string OrganizationName, string OrganizationShortName, string? OrganizationLogoUrl, string? OrganizationFaviconUrl,
    string AdminColorPrimary, string AdminColorBgBase, string PublicColorPrimary, string PublicColorBgBase, string PublicColorBgContainer,
    string? PublicHeaderGradient, string? FooterText, string? LoginSubtitle, string? EmailFromName,
    string? SmtpHost, int? SmtpPort, string? SmtpUser, string? SmtpPassEncrypted, string? SmtpFromAddress, string SmtpActiveProvider,
    bool EmailTestMode, string? TestEmailRecipient,
    bool EnableInfluence, bool EnableMap, bool EnableNewsletter, bool EnableLandingPages, bool EnableMedia,
    DateTimeOffset? UpdatedAt)
{
    /// <summary>The defaults of the table (docs/data-model.md), for a site nobody has configured yet.</summary>
    public static readonly SiteSettingsRow Defaults = new("Changemaker Lite", "CM", null, null, "#1890ff", "#ffffff", "#3498db", "#0d1b2a", "#1b2838",
        null, null, null, null, null, null, null, null, null, "mailhog", false, null, true, true, false, true, true, null);

    public FeatureToggles Features => new(EnableInfluence, EnableMap, EnableNewsletter, EnableLandingPages, EnableMedia);

    public PublicSettingsView ToPublic(int version) => new(OrganizationName, OrganizationShortName, OrganizationLogoUrl, OrganizationFaviconUrl,
        AdminColorPrimary, AdminColorBgBase, PublicColorPrimary, PublicColorBgBase, PublicColorBgContainer, PublicHeaderGradient, FooterText,
        LoginSubtitle, Features, version);

    public SiteSettingsView ToView(int version) => new(OrganizationName, OrganizationShortName, OrganizationLogoUrl, OrganizationFaviconUrl,
        AdminColorPrimary, AdminColorBgBase, PublicColorPrimary, PublicColorBgBase, PublicColorBgContainer, PublicHeaderGradient, FooterText,
        LoginSubtitle, EmailFromName, SmtpHost, SmtpPort, SmtpUser, SmtpPassEncrypted is not null, SmtpFromAddress, SmtpActiveProvider,
        EmailTestMode, TestEmailRecipient, EnableInfluence, EnableMap, EnableNewsletter, EnableLandingPages, EnableMedia, version, UpdatedAt);
}

public static class SettingsRows
{
    private const string Columns = """
        organization_name, organization_short_name, organization_logo_url, organization_favicon_url, admin_color_primary, admin_color_bg_base,
        public_color_primary, public_color_bg_base, public_color_bg_container, public_header_gradient, footer_text, login_subtitle,
        email_from_name, smtp_host, smtp_port, smtp_user, smtp_pass, smtp_from_address, smtp_active_provider, email_test_mode,
        test_email_recipient, enable_influence, enable_map, enable_newsletter, enable_landing_pages, enable_media, updated_at, version
        """;

    public static Task<(SiteSettingsRow Row, int Version)?> LoadAsync(NpgsqlDataSource db, CancellationToken cancellationToken) =>
        db.Command($"SELECT {Columns} FROM site_settings LIMIT 1").FirstOrDefaultAsync<(SiteSettingsRow, int)?>(r => (Read(r), r.Get<int>("version")),
            cancellationToken);

    private static SiteSettingsRow Read(NpgsqlDataReader r) => new(
        r.Get<string>("organization_name"), r.Get<string>("organization_short_name"), r.GetOrNull<string>("organization_logo_url"),
        r.GetOrNull<string>("organization_favicon_url"), r.Get<string>("admin_color_primary"), r.Get<string>("admin_color_bg_base"),
        r.Get<string>("public_color_primary"), r.Get<string>("public_color_bg_base"), r.Get<string>("public_color_bg_container"),
        r.GetOrNull<string>("public_header_gradient"), r.GetOrNull<string>("footer_text"), r.GetOrNull<string>("login_subtitle"),
        r.GetOrNull<string>("email_from_name"), r.GetOrNull<string>("smtp_host"), r.GetValueOrNull<int>("smtp_port"), r.GetOrNull<string>("smtp_user"),
        r.GetOrNull<string>("smtp_pass"), r.GetOrNull<string>("smtp_from_address"), r.Get<string>("smtp_active_provider"),
        r.Get<bool>("email_test_mode"), r.GetOrNull<string>("test_email_recipient"), r.Get<bool>("enable_influence"), r.Get<bool>("enable_map"),
        r.Get<bool>("enable_newsletter"), r.Get<bool>("enable_landing_pages"), r.Get<bool>("enable_media"), r.Get<DateTimeOffset>("updated_at"));

    /// <summary>
    /// Writes the row under its version: inserts it when the grain knew of none (<paramref name="expectedVersion"/> null),
    /// else updates it only if it is still at that version. False when another writer came first.
    /// </summary>
    public static async Task<bool> SaveAsync(NpgsqlDataSource db, SiteSettingsRow row, int? expectedVersion, DateTimeOffset now)
    {
        (string, object?)[] values =
        [
            ("organization_name", row.OrganizationName), ("organization_short_name", row.OrganizationShortName),
            ("organization_logo_url", row.OrganizationLogoUrl), ("organization_favicon_url", row.OrganizationFaviconUrl),
            ("admin_color_primary", row.AdminColorPrimary), ("admin_color_bg_base", row.AdminColorBgBase),
            ("public_color_primary", row.PublicColorPrimary), ("public_color_bg_base", row.PublicColorBgBase),
            ("public_color_bg_container", row.PublicColorBgContainer), ("public_header_gradient", row.PublicHeaderGradient),
            ("footer_text", row.FooterText), ("login_subtitle", row.LoginSubtitle), ("email_from_name", row.EmailFromName),
            ("smtp_host", row.SmtpHost), ("smtp_port", row.SmtpPort), ("smtp_user", row.SmtpUser), ("smtp_pass", row.SmtpPassEncrypted),
            ("smtp_from_address", row.SmtpFromAddress), ("smtp_active_provider", row.SmtpActiveProvider), ("email_test_mode", row.EmailTestMode),
            ("test_email_recipient", row.TestEmailRecipient), ("enable_influence", row.EnableInfluence), ("enable_map", row.EnableMap),
            ("enable_newsletter", row.EnableNewsletter), ("enable_landing_pages", row.EnableLandingPages), ("enable_media", row.EnableMedia),
        ];
        var parameters = values.Append(("now", now)).Append(("version", expectedVersion ?? 0)).ToArray();
        var sql = expectedVersion is null
            ? $"""
              INSERT INTO site_settings ({string.Join(", ", values.Select(v => v.Item1))}, created_at, updated_at, version)
              VALUES ({string.Join(", ", values.Select(v => "@" + v.Item1))}, @now, @now, 1)
              ON CONFLICT ((true)) DO NOTHING
              """
            : $"""
              UPDATE site_settings SET {string.Join(", ", values.Select(v => $"{v.Item1} = @{v.Item1}"))}, updated_at = @now, version = version + 1
              WHERE version = @version
              """;
        return await db.Command(sql, parameters).ExecuteAsync() == 1;
    }
}
