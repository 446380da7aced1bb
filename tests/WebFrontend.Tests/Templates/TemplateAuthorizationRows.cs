using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Templates;

/// <summary>Every email template endpoint and who gets past its gate (docs/api/templates.md): super admins only.</summary>
public sealed class TemplateAuthorizationRows : IAuthorizationRows
{
    private const string Id = "{id}";

    public IEnumerable<EndpointAccess> Rows =>
    [
        new("GET", "/api/email-templates", false, EndpointAccess.SuperAdminOnly),
        new("POST", "/api/email-templates", false, EndpointAccess.SuperAdminOnly),
        new("GET", $"/api/email-templates/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("PATCH", $"/api/email-templates/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("DELETE", $"/api/email-templates/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("GET", $"/api/email-templates/{Id}/versions", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/email-templates/{Id}/versions/1/restore", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/email-templates/{Id}/validate", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/email-templates/{Id}/preview", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/email-templates/{Id}/test-send", false, EndpointAccess.SuperAdminOnly),
    ];
}
