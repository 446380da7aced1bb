using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Settings;
using ChangemakerLite.Grains.Interfaces.Templates;
using ChangemakerLite.Grains.Platform;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Settings;

/// <summary>
/// The single writer of the site settings row (key 0). It holds the row in memory and answers reads from it (every
/// frontend asks for the public part each second to know the feature toggles); a write checks and bumps the row's
/// version, so a second activation cannot overwrite. The SMTP password is encrypted before it leaves this grain and
/// is never answered. The senders of every silo read the SMTP part from the row at each batch, so a change takes
/// effect without a restart.
/// </summary>
public sealed class SiteSettingsGrain(
    NpgsqlDataSource db,
    TimeProvider time,
    IConfiguration configuration,
    SettingsEncryption encryption,
    ILogger<SiteSettingsGrain> logger) : Grain, ISiteSettingsGrain
{
    private SiteSettingsRow _row = SiteSettingsRow.Defaults;
    private int? _version;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await Reload(cancellationToken);

    private async Task Reload(CancellationToken cancellationToken = default)
    {
        var loaded = await SettingsRows.LoadAsync(db, cancellationToken);
        _row = loaded?.Row ?? SiteSettingsRow.Defaults;
        _version = loaded?.Version;
    }

    public Task<PublicSettingsView> GetPublic() => Task.FromResult(_row.ToPublic(_version ?? 0));

    public Task<SiteSettingsView> Get() => Task.FromResult(_row.ToView(_version ?? 0));

    public async Task<SiteSettingsView> Update(UpdateSettingsCommand c)
    {
        var row = _row;
        var password = row.SmtpPassEncrypted;
        if (c.SmtpPass is not null)
        {
            if (c.SmtpPass.Length == 0) password = null;
            else if (!encryption.IsConfigured)
                throw DomainException.Invalid("smtpPass", $"cannot be stored: the server has no {SettingsEncryption.Setting} to encrypt it with.");
            else password = encryption.Encrypt(c.SmtpPass, SmtpSettings.PasswordColumn);
        }
        var next = row with
        {
            OrganizationName = c.OrganizationName?.Trim() ?? row.OrganizationName,
            OrganizationShortName = c.OrganizationShortName?.Trim() ?? row.OrganizationShortName,
            OrganizationLogoUrl = Optional(c.OrganizationLogoUrl, row.OrganizationLogoUrl),
            OrganizationFaviconUrl = Optional(c.OrganizationFaviconUrl, row.OrganizationFaviconUrl),
            AdminColorPrimary = c.AdminColorPrimary ?? row.AdminColorPrimary,
            AdminColorBgBase = c.AdminColorBgBase ?? row.AdminColorBgBase,
            PublicColorPrimary = c.PublicColorPrimary ?? row.PublicColorPrimary,
            PublicColorBgBase = c.PublicColorBgBase ?? row.PublicColorBgBase,
            PublicColorBgContainer = c.PublicColorBgContainer ?? row.PublicColorBgContainer,
            PublicHeaderGradient = Optional(c.PublicHeaderGradient, row.PublicHeaderGradient),
            FooterText = Optional(c.FooterText, row.FooterText),
            LoginSubtitle = Optional(c.LoginSubtitle, row.LoginSubtitle),
            EmailFromName = Optional(c.EmailFromName, row.EmailFromName),
            SmtpHost = Optional(c.SmtpHost, row.SmtpHost),
            SmtpPort = c.SmtpPort ?? row.SmtpPort,
            SmtpUser = Optional(c.SmtpUser, row.SmtpUser),
            SmtpPassEncrypted = password,
            SmtpFromAddress = Optional(c.SmtpFromAddress, row.SmtpFromAddress),
            SmtpActiveProvider = c.SmtpActiveProvider ?? row.SmtpActiveProvider,
            EmailTestMode = c.EmailTestMode ?? row.EmailTestMode,
            TestEmailRecipient = Optional(c.TestEmailRecipient, row.TestEmailRecipient),
            EnableInfluence = c.EnableInfluence ?? row.EnableInfluence,
            EnableMap = c.EnableMap ?? row.EnableMap,
            EnableNewsletter = c.EnableNewsletter ?? row.EnableNewsletter,
            EnableLandingPages = c.EnableLandingPages ?? row.EnableLandingPages,
            EnableMedia = c.EnableMedia ?? row.EnableMedia,
            UpdatedAt = time.GetUtcNow(),
        };
        if (next.EmailTestMode && next.TestEmailRecipient is null)
            throw DomainException.Invalid("testEmailRecipient", "is required while emailTestMode is on.");
        if (!await SettingsRows.SaveAsync(db, next, _version, next.UpdatedAt.Value))
        {
            await Reload();
            throw DomainException.Conflict("The settings were changed at the same time; reload them and try again.");
        }
        _row = next;
        _version = (_version ?? 0) + 1;
        logger.LogInformation("Site settings changed (version {Version})", _version);
        return _row.ToView(_version.Value);
    }

    public async Task<SmtpTestResult> TestConnection()
    {
        var settings = await CurrentSmtp();
        using var client = new SmtpClient();
        try
        {
            await SmtpDelivery.ConnectAsync(client, settings, CancellationToken.None, timeoutMs: 10_000);
            var extensions = string.Join(", ", client.Capabilities.ToString().Split(", ").Where(c => c != "None"));
            var message = $"Connected to {settings.Host}:{settings.Port}{(settings.User is null ? "" : $" and signed in as {settings.User}")}"
                          + (extensions.Length == 0 ? "." : $"; the server offers {extensions}.");
            await client.DisconnectAsync(quit: true, CancellationToken.None);
            return new SmtpTestResult(true, settings.Host, settings.Port, message);
        }
        catch (Exception ex) when (ex is not OrleansException)
        {
            var (message, status) = SmtpDelivery.Describe(ex);
            return new SmtpTestResult(false, settings.Host, settings.Port, message, status);
        }
    }

    public async Task<SmtpTestResult> TestSend(string to)
    {
        var settings = await CurrentSmtp();
        var content = new RenderedEmail($"Test email from {_row.OrganizationName}",
            $"<p>This is a test email from {System.Net.WebUtility.HtmlEncode(_row.OrganizationName)}: the SMTP settings work.</p>",
            $"This is a test email from {_row.OrganizationName}: the SMTP settings work.\n");
        try
        {
            var reply = await SmtpDelivery.SendNowAsync(settings, Ids.New(), to, null, content, CancellationToken.None);
            return new SmtpTestResult(true, settings.Host, settings.Port, reply, 250, to);
        }
        catch (Exception ex) when (ex is not OrleansException)
        {
            var (message, status) = SmtpDelivery.Describe(ex);
            logger.LogWarning("SMTP test send to {To} failed: {Message}", to, message);
            return new SmtpTestResult(false, settings.Host, settings.Port, message, status, to);
        }
    }

    private Task<SmtpSettings> CurrentSmtp() =>
        SmtpSettings.FromConfiguration(configuration).WithSiteOverridesAsync(db, encryption, CancellationToken.None);

    /// <summary>null keeps the old value; an empty or blank string clears it.</summary>
    private static string? Optional(string? given, string? current) =>
        given is null ? current : string.IsNullOrWhiteSpace(given) ? null : given.Trim();
}
