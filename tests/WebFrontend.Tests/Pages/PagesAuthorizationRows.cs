using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Pages;

/// <summary>Every landing-page endpoint and who gets past its gate (docs/api/pages.md: SUPER_ADMIN administers, anyone reads published pages).</summary>
public sealed class PagesAuthorizationRows : IAuthorizationRows
{
    private const string Id = "{id}";

    public IEnumerable<EndpointAccess> Rows =>
    [
        new("GET", "/api/pages", false, EndpointAccess.SuperAdminOnly),
        new("POST", "/api/pages", false, EndpointAccess.SuperAdminOnly),
        new("GET", $"/api/pages/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("PUT", $"/api/pages/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("DELETE", $"/api/pages/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("POST", "/api/pages/exports/validate", false, EndpointAccess.SuperAdminOnly),
        new("GET", "/api/page-blocks", false, EndpointAccess.SuperAdminOnly),
        new("POST", "/api/page-blocks", false, EndpointAccess.SuperAdminOnly),
        new("GET", $"/api/page-blocks/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("PATCH", $"/api/page-blocks/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("DELETE", $"/api/page-blocks/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("GET", "/api/public/pages", Anonymous: true),
        new("GET", $"/api/public/pages/{Id}", Anonymous: true),
        new("GET", $"/p/{Id}", Anonymous: true),
    ];
}
