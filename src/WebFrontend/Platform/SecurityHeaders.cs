namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// The headers every answer carries. <c>X-Content-Type-Options: nosniff</c> on all of them, so a browser never runs an
/// upload or a JSON body as something else. A strict Content-Security-Policy on the HTML this server writes itself
/// (walk sheets, the influence response links' pages, error pages): no script, no plugin, styles and images only
/// from the page itself, not framed by other sites. A page that set its own policy keeps it (the published landing
/// pages under <c>/p/</c> answer with their sandbox). The two third-party interfaces, the API reference at <c>/docs</c>
/// and the Orleans dashboard, load their own scripts; they only may not be framed. <c>Strict-Transport-Security</c>
/// is sent when <c>PUBLIC_BASE_URL</c> is https, so browsers never reach the site over plain HTTP again.
/// </summary>
public static class SecurityHeaders
{
    public const string HtmlPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public const string ThirdPartyUiPolicy = "frame-ancestors 'none'";

    public const string StrictTransportSecurity = "max-age=31536000";

    private static readonly string[] ThirdPartyUis = ["/docs", "/dashboard"];

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, FrontendSettings settings)
    {
        var https = settings.PublicBaseUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        return app.Use((context, next) =>
        {
            var response = context.Response;
            response.OnStarting(() =>
            {
                response.Headers.XContentTypeOptions = "nosniff";
                if (https) response.Headers.StrictTransportSecurity = StrictTransportSecurity;
                if (response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true
                    && !response.Headers.ContainsKey("Content-Security-Policy"))
                    response.Headers.ContentSecurityPolicy =
                        ThirdPartyUis.Any(p => context.Request.Path.StartsWithSegments(p)) ? ThirdPartyUiPolicy : HtmlPolicy;
                return Task.CompletedTask;
            });
            return next(context);
        });
    }
}
