using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Interfaces.Settings;

/// <summary>Which modules are on. A module switched off answers 404 on its routes (Auth, Settings, Templates and Platform never are).</summary>
[GenerateSerializer, Immutable, Alias("cml.settings.FeatureToggles")]
public sealed record FeatureToggles(
    [property: Id(0)] bool EnableInfluence,
    [property: Id(1)] bool EnableMap,
    [property: Id(2)] bool EnableNewsletter,
    [property: Id(3)] bool EnableLandingPages,
    [property: Id(4)] bool EnableMedia)
{
    public static readonly FeatureToggles AllOn = new(true, true, false, true, true);
}

/// <summary>What anyone may read: the organisation, its themes, footer and the toggles; never anything about mail.</summary>
[GenerateSerializer, Immutable, Alias("cml.settings.PublicSettingsView")]
public sealed record PublicSettingsView(
    [property: Id(0)] string OrganizationName,
    [property: Id(1)] string OrganizationShortName,
    [property: Id(2)] string? OrganizationLogoUrl,
    [property: Id(3)] string? OrganizationFaviconUrl,
    [property: Id(4)] string AdminColorPrimary,
    [property: Id(5)] string AdminColorBgBase,
    [property: Id(6)] string PublicColorPrimary,
    [property: Id(7)] string PublicColorBgBase,
    [property: Id(8)] string PublicColorBgContainer,
    [property: Id(9)] string? PublicHeaderGradient,
    [property: Id(10)] string? FooterText,
    [property: Id(11)] string? LoginSubtitle,
    [property: Id(12)] FeatureToggles Features,
    [property: Id(13)] int Version);

/// <summary>The admin's view: everything but the SMTP password, of which only whether one is set is told.</summary>
[GenerateSerializer, Immutable, Alias("cml.settings.SiteSettingsView")]
public sealed record SiteSettingsView(
    [property: Id(0)] string OrganizationName,
    [property: Id(1)] string OrganizationShortName,
    [property: Id(2)] string? OrganizationLogoUrl,
    [property: Id(3)] string? OrganizationFaviconUrl,
    [property: Id(4)] string AdminColorPrimary,
    [property: Id(5)] string AdminColorBgBase,
    [property: Id(6)] string PublicColorPrimary,
    [property: Id(7)] string PublicColorBgBase,
    [property: Id(8)] string PublicColorBgContainer,
    [property: Id(9)] string? PublicHeaderGradient,
    [property: Id(10)] string? FooterText,
    [property: Id(11)] string? LoginSubtitle,
    [property: Id(12)] string? EmailFromName,
    [property: Id(13)] string? SmtpHost,
    [property: Id(14)] int? SmtpPort,
    [property: Id(15)] string? SmtpUser,
    [property: Id(16)] bool SmtpPasswordSet,
    [property: Id(17)] string? SmtpFromAddress,
    [property: Id(18)] string SmtpActiveProvider,
    [property: Id(19)] bool EmailTestMode,
    [property: Id(20)] string? TestEmailRecipient,
    [property: Id(21)] bool EnableInfluence,
    [property: Id(22)] bool EnableMap,
    [property: Id(23)] bool EnableNewsletter,
    [property: Id(24)] bool EnableLandingPages,
    [property: Id(25)] bool EnableMedia,
    [property: Id(26)] int Version,
    [property: Id(27)] DateTimeOffset? UpdatedAt);

/// <summary>
/// A partial change: null leaves a field as it is; an empty string clears an optional text. <see cref="SmtpPass"/>
/// is write-only: a value replaces the stored one (encrypted), an empty string removes it, null keeps it.
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.settings.UpdateSettingsCommand")]
public sealed record UpdateSettingsCommand(
    [property: Id(0)] string? OrganizationName = null,
    [property: Id(1)] string? OrganizationShortName = null,
    [property: Id(2)] string? OrganizationLogoUrl = null,
    [property: Id(3)] string? OrganizationFaviconUrl = null,
    [property: Id(4)] string? AdminColorPrimary = null,
    [property: Id(5)] string? AdminColorBgBase = null,
    [property: Id(6)] string? PublicColorPrimary = null,
    [property: Id(7)] string? PublicColorBgBase = null,
    [property: Id(8)] string? PublicColorBgContainer = null,
    [property: Id(9)] string? PublicHeaderGradient = null,
    [property: Id(10)] string? FooterText = null,
    [property: Id(11)] string? LoginSubtitle = null,
    [property: Id(12)] string? EmailFromName = null,
    [property: Id(13)] string? SmtpHost = null,
    [property: Id(14)] int? SmtpPort = null,
    [property: Id(15)] string? SmtpUser = null,
    [property: Id(16)] string? SmtpPass = null,
    [property: Id(17)] string? SmtpFromAddress = null,
    [property: Id(18)] string? SmtpActiveProvider = null,
    [property: Id(19)] bool? EmailTestMode = null,
    [property: Id(20)] string? TestEmailRecipient = null,
    [property: Id(21)] bool? EnableInfluence = null,
    [property: Id(22)] bool? EnableMap = null,
    [property: Id(23)] bool? EnableNewsletter = null,
    [property: Id(24)] bool? EnableLandingPages = null,
    [property: Id(25)] bool? EnableMedia = null);

/// <summary>What the SMTP server said: <see cref="Ok"/>, its reply (or the connection error), and the relay asked.</summary>
[GenerateSerializer, Immutable, Alias("cml.settings.SmtpTestResult")]
public sealed record SmtpTestResult(
    [property: Id(0)] bool Ok,
    [property: Id(1)] string Host,
    [property: Id(2)] int Port,
    [property: Id(3)] string Message,
    [property: Id(4)] int? StatusCode = null,
    [property: Id(5)] string? Recipient = null);

/// <summary>The site settings singleton (key 0): the single writer of the site_settings row.</summary>
[Alias("cml.settings.ISiteSettingsGrain")]
public interface ISiteSettingsGrain : IGrainWithIntegerKey
{
    [Alias("GetPublic")] Task<PublicSettingsView> GetPublic();
    [Alias("Get")] Task<SiteSettingsView> Get();
    [Alias("Update")] Task<SiteSettingsView> Update(UpdateSettingsCommand command);
    [Alias("TestConnection"), AlwaysInterleave] Task<SmtpTestResult> TestConnection();
    [Alias("TestSend"), AlwaysInterleave] Task<SmtpTestResult> TestSend(string to);
}
