using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Web;

/// <summary>The web UI's pages, files and config (docs/web.md): all public, as a page must load before anyone signs in.</summary>
public sealed class WebAuthorizationRows : IAuthorizationRows
{
    public IEnumerable<EndpointAccess> Rows =>
    [
        new("GET", "/api/web/config", Anonymous: true),
        new("GET", "/", Anonymous: true) { AnswersHtml = true },
        new("GET", "/campaigns/some-campaign", Anonymous: true) { AnswersHtml = true },
        new("GET", "/shifts/00000000-0000-0000-0000-000000000001", Anonymous: true) { AnswersHtml = true },
        new("GET", "/volunteer", Anonymous: true) { AnswersHtml = true },
        new("GET", "/app", Anonymous: true) { AnswersHtml = true },
        new("GET", "/volunteer-sw.js", Anonymous: true),
        new("GET", "/web/no-such-file.js", Anonymous: true),
    ];
}
