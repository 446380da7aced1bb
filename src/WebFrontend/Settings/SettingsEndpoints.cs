using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Settings;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Settings;

public static partial class SettingsEndpoints
{
    /// <summary>A partial change of the site settings: absent fields keep their value; <c>smtpPass</c> is write-only ("" removes it).</summary>
    public sealed record UpdateSettingsRequest(
        string? OrganizationName, string? OrganizationShortName, string? OrganizationLogoUrl, string? OrganizationFaviconUrl,
        string? AdminColorPrimary, string? AdminColorBgBase, string? PublicColorPrimary, string? PublicColorBgBase, string? PublicColorBgContainer,
        string? PublicHeaderGradient, string? FooterText, string? LoginSubtitle, string? EmailFromName,
        string? SmtpHost, int? SmtpPort, string? SmtpUser, string? SmtpPass, string? SmtpFromAddress, string? SmtpActiveProvider,
        bool? EmailTestMode, string? TestEmailRecipient,
        bool? EnableInfluence, bool? EnableMap, bool? EnableNewsletter, bool? EnableLandingPages, bool? EnableMedia);

    public sealed record SmtpTestSendRequest(string? To);

    public static IServiceCollection AddSettingsFrontend(this IServiceCollection services) => services.AddFeatureToggles();

    public static IEndpointRouteBuilder MapSettingsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/public/settings").WithTags("Settings").AllowAnonymous()
            .MapGet("/", async (IClusterClient cluster) => TypedResults.Ok(await cluster.GetGrain<ISiteSettingsGrain>(0).GetPublic()))
            .WithSummary("The organisation, its themes, footer and feature toggles; never anything about mail.");

        var settings = app.MapGroup("/api/settings").WithTags("Settings").RequireAuthorization(Policies.SuperAdmin);

        settings.MapGet("/", async (IClusterClient cluster) => TypedResults.Ok(await cluster.GetGrain<ISiteSettingsGrain>(0).Get()))
            .ProducesAuthProblems()
            .WithSummary("The site settings; the SMTP password is never returned (smtpPasswordSet says whether one is stored).");

        settings.MapPut("/", async (Body<UpdateSettingsRequest> body, IClusterClient cluster) =>
        {
            var b = body.Value;
            var validation = new Validation();
            if (b.OrganizationName is not null) validation.Required("organizationName", b.OrganizationName, 200);
            if (b.OrganizationShortName is not null) validation.Required("organizationShortName", b.OrganizationShortName, 10);
            foreach (var (field, value) in new[] { ("organizationLogoUrl", b.OrganizationLogoUrl), ("organizationFaviconUrl", b.OrganizationFaviconUrl) })
                Url(validation, field, value);
            foreach (var (field, value) in new[] { ("adminColorPrimary", b.AdminColorPrimary), ("adminColorBgBase", b.AdminColorBgBase),
                         ("publicColorPrimary", b.PublicColorPrimary), ("publicColorBgBase", b.PublicColorBgBase), ("publicColorBgContainer", b.PublicColorBgContainer) })
                if (value is not null && !Color().IsMatch(value)) validation.Add(field, "must be a colour like #1890ff.");
            validation.MaxLength("publicHeaderGradient", b.PublicHeaderGradient, 500);
            validation.MaxLength("footerText", b.FooterText, 1000);
            validation.MaxLength("loginSubtitle", b.LoginSubtitle, 500);
            validation.MaxLength("emailFromName", b.EmailFromName, 200);
            if (!string.IsNullOrEmpty(b.SmtpHost) && (b.SmtpHost.Length > 253 || b.SmtpHost.Any(char.IsWhiteSpace)))
                validation.Add("smtpHost", "must be a host name or address.");
            validation.Range("smtpPort", b.SmtpPort, 1, 65535);
            validation.MaxLength("smtpUser", b.SmtpUser, 254);
            validation.MaxLength("smtpPass", b.SmtpPass, 1000);
            if (!string.IsNullOrEmpty(b.SmtpFromAddress)) validation.Email("smtpFromAddress", b.SmtpFromAddress);
            if (b.SmtpActiveProvider is not null and not ("mailhog" or "production")) validation.Add("smtpActiveProvider", "must be mailhog or production.");
            if (!string.IsNullOrEmpty(b.TestEmailRecipient)) validation.Email("testEmailRecipient", b.TestEmailRecipient);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<ISiteSettingsGrain>(0).Update(new UpdateSettingsCommand(
                b.OrganizationName, b.OrganizationShortName, b.OrganizationLogoUrl, b.OrganizationFaviconUrl, b.AdminColorPrimary, b.AdminColorBgBase,
                b.PublicColorPrimary, b.PublicColorBgBase, b.PublicColorBgContainer, b.PublicHeaderGradient, b.FooterText, b.LoginSubtitle,
                b.EmailFromName, b.SmtpHost, b.SmtpPort, b.SmtpUser, b.SmtpPass, b.SmtpFromAddress, b.SmtpActiveProvider, b.EmailTestMode,
                b.TestEmailRecipient, b.EnableInfluence, b.EnableMap, b.EnableNewsletter, b.EnableLandingPages, b.EnableMedia)));
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Changes the site settings; the SMTP password is stored encrypted and takes effect in every silo's sender at once.");

        settings.MapPost("/smtp/test-connection", async (IClusterClient cluster) =>
                TypedResults.Ok(await cluster.GetGrain<ISiteSettingsGrain>(0).TestConnection()))
            .ProducesAuthProblems()
            .WithSummary("Connects (and signs in) to the SMTP server the settings name; answers what it said.");

        settings.MapPost("/smtp/test-send", async (Body<SmtpTestSendRequest> body, IClusterClient cluster) =>
        {
            var validation = new Validation();
            validation.Email("to", body.Value.To);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<ISiteSettingsGrain>(0).TestSend(body.Value.To!.Trim()));
        }).ProducesValidationProblem()
            .WithSummary("Sends one test email through the SMTP server the settings name; answers what it said.");

        // QR codes for anything a signed-in user prints or shows (walk sheets make theirs through the same QrCodes.Png).
        app.MapGroup("/api/qr").WithTags("Settings").RequireAuthorization(Policies.SignedIn)
            .MapGet("/", (string? text, string? size) =>
            {
                var validation = new Validation();
                validation.Required("text", text, QrCodes.MaxTextLength);
                var pixels = QrCodes.DefaultSize;
                if (!string.IsNullOrEmpty(size) && (!int.TryParse(size, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pixels)
                                                    || pixels < QrCodes.MinSize || pixels > QrCodes.MaxSize))
                    validation.Add("size", $"must be a whole number of pixels between {QrCodes.MinSize} and {QrCodes.MaxSize}.");
                validation.ThrowIfInvalid();
                return TypedResults.File(QrCodes.Png(text!, pixels), "image/png");
            }).Produces<byte[]>(StatusCodes.Status200OK, "image/png").ProducesValidationProblem()
            .WithSummary("A PNG QR code of text, about size pixels wide (256 by default).");
        return app;
    }

    private static void Url(Validation validation, string field, string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        if (!validation.MaxLength(field, value, 2000)) return;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            if (!value.StartsWith('/')) validation.Add(field, "must be an http(s) URL or a path starting with /.");
    }

    [GeneratedRegex("^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")]
    private static partial Regex Color();
}
