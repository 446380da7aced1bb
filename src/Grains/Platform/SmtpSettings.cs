using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ChangemakerLite.Grains.Platform;

/// <summary>
/// Where mail goes. Configuration (SMTP_* variables) is the base; a SiteSettings row with an SMTP host
/// overrides it, so an admin can switch relays without a redeploy. In test mode every message goes to
/// one address instead of its recipient.
/// </summary>
public sealed record SmtpSettings(
    string Host,
    int Port,
    string? User,
    string? Password,
    string FromAddress,
    string FromName,
    bool UseTls,
    bool TestMode,
    string? TestRecipient)
{
    public override string ToString() => $"SmtpSettings {{ Host = {Host}, Port = {Port}, User = {User}, TestMode = {TestMode} }}";

    public static SmtpSettings FromConfiguration(IConfiguration configuration) => new(
        configuration["SMTP_HOST"] ?? "127.0.0.1",
        configuration.GetValue("SMTP_PORT", 2525),
        NullIfEmpty(configuration["SMTP_USER"]),
        NullIfEmpty(configuration["SMTP_PASS"]),
        configuration["SMTP_FROM"] ?? "no-reply@changemaker.local",
        configuration["SMTP_FROM_NAME"] ?? "Changemaker Lite",
        configuration.GetValue("SMTP_SECURE", true),
        configuration.GetValue("EMAIL_TEST_MODE", false),
        NullIfEmpty(configuration["EMAIL_TEST_RECIPIENT"]));

    /// <summary>The column the encrypted SMTP password is kept in, also its encryption's associated data.</summary>
    public const string PasswordColumn = "site_settings.smtp_pass";

    /// <summary>
    /// The configuration with whatever the site settings row overrides, read afresh on every call (each batch the sender
    /// delivers), so a change an admin saves takes effect in every silo without a restart. The stored password is
    /// decrypted here; one that does not decrypt (another key) is left out, and the sender signs in without it.
    /// </summary>
    public async Task<SmtpSettings> WithSiteOverridesAsync(NpgsqlDataSource db, SettingsEncryption encryption, CancellationToken cancellationToken)
    {
        var overridden = await db.Command("""
            SELECT smtp_host, smtp_port, smtp_user, smtp_pass, smtp_from_address, email_from_name, email_test_mode, test_email_recipient
            FROM site_settings LIMIT 1
            """).FirstOrDefaultAsync(r =>
        {
            var settings = this;
            var host = r.GetOrNull<string>("smtp_host");
            if (!string.IsNullOrWhiteSpace(host))
                settings = settings with
                {
                    Host = host,
                    Port = r.GetValueOrNull<int>("smtp_port") ?? settings.Port,
                    User = r.GetOrNull<string>("smtp_user"),
                    Password = encryption.TryDecrypt(r.GetOrNull<string>("smtp_pass"), PasswordColumn),
                };
            settings = settings with
            {
                FromAddress = NullIfEmpty(r.GetOrNull<string>("smtp_from_address")) ?? settings.FromAddress,
                FromName = NullIfEmpty(r.GetOrNull<string>("email_from_name")) ?? settings.FromName,
            };
            if (r.Get<bool>("email_test_mode"))
                settings = settings with { TestMode = true, TestRecipient = r.GetOrNull<string>("test_email_recipient") ?? settings.TestRecipient };
            return settings;
        }, cancellationToken);
        return overridden ?? this;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
