using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Settings;

/// <summary>Every settings endpoint and the QR code, and who gets past their gates.</summary>
public sealed class SettingsAuthorizationRows : IAuthorizationRows
{
    public IEnumerable<EndpointAccess> Rows =>
    [
        new("GET", "/api/public/settings", true),
        new("GET", "/api/settings", false, EndpointAccess.SuperAdminOnly),
        new("PUT", "/api/settings", false, EndpointAccess.SuperAdminOnly),
        new("POST", "/api/settings/smtp/test-connection", false, EndpointAccess.SuperAdminOnly),
        new("POST", "/api/settings/smtp/test-send", false, EndpointAccess.SuperAdminOnly),
        new("GET", "/api/qr?text=hello", false, EndpointAccess.Everyone),
    ];
}
