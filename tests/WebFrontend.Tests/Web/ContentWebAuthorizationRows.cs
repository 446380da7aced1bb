using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Web;

/// <summary>The public video gallery's pages (docs/web.md): public, as a page loads before anyone signs in; the API they call decides.</summary>
public sealed class ContentWebAuthorizationRows : IAuthorizationRows
{
    public IEnumerable<EndpointAccess> Rows =>
    [
        new("GET", "/media", Anonymous: true) { AnswersHtml = true },
        new("GET", "/media/00000000-0000-0000-0000-000000000001", Anonymous: true) { AnswersHtml = true },
    ];
}
