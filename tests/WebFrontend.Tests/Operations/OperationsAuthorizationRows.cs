using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Operations;

/// <summary>The operations routes and who gets past their gate (docs/api/operations.md). /metrics is gated by address or token, not by role.</summary>
public sealed class OperationsAuthorizationRows : IAuthorizationRows
{
    public IEnumerable<EndpointAccess> Rows =>
    [
        new("POST", "/api/dashboard/session", false, EndpointAccess.SuperAdminOnly),
        new("DELETE", "/api/dashboard/session", Anonymous: true),
        new("GET", "/dashboard/", false, EndpointAccess.SuperAdminOnly),
    ];
}
