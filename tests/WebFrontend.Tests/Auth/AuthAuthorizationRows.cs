using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

public sealed class AuthAuthorizationRows : IAuthorizationRows
{
    public IEnumerable<EndpointAccess> Rows =>
    [
        new("POST", "/api/auth/register", Anonymous: true),
        new("POST", "/api/auth/login", Anonymous: true),
        new("POST", "/api/auth/refresh", Anonymous: true),
        new("POST", "/api/auth/verify-email", Anonymous: true),
        new("POST", "/api/auth/forgot-password", Anonymous: true),
        new("POST", "/api/auth/reset-password", Anonymous: true),
        new("POST", "/api/auth/logout", false, EndpointAccess.Everyone),
        new("GET", "/api/auth/me", false, EndpointAccess.Everyone),
        new("POST", "/api/auth/change-password", false, EndpointAccess.Everyone),
        new("GET", "/api/users", false, EndpointAccess.SuperAdminOnly),
        new("POST", "/api/users", false, EndpointAccess.SuperAdminOnly),
        new("GET", "/api/users/{id}", false, EndpointAccess.SuperAdminOnly),
        new("PATCH", "/api/users/{id}", false, EndpointAccess.SuperAdminOnly),
        new("DELETE", "/api/users/{id}", false, EndpointAccess.SuperAdminOnly),
        new("GET", "/health/live", Anonymous: true),
        new("GET", "/health/ready", Anonymous: true),
        new("GET", "/openapi/v1.json", Anonymous: true),
    ];
}
