using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Shifts;

/// <summary>The shift endpoints (docs/api/shifts.md) and who gets past their gates.</summary>
public sealed class ShiftAuthorizationRows : IAuthorizationRows
{
    public IEnumerable<EndpointAccess> Rows =>
    [
        new("GET", "/api/shifts", false, EndpointAccess.Everyone),
        new("POST", "/api/shifts", false, EndpointAccess.MapAdmins),
        new("GET", "/api/shifts/mine", false, EndpointAccess.Everyone),
        new("GET", "/api/shifts/{id}", false, EndpointAccess.Everyone),
        new("PATCH", "/api/shifts/{id}", false, EndpointAccess.MapAdmins),
        new("POST", "/api/shifts/{id}/cancel", false, EndpointAccess.MapAdmins),
        new("DELETE", "/api/shifts/{id}", false, EndpointAccess.MapAdmins),
        // TEMP volunteers are refused here (requireNonTemp); they use the public signup.
        new("POST", "/api/shifts/{id}/signups", false, EndpointAccess.NonTemp),
        // The volunteer (any role, TEMP included) cancels their own; whose it is is decided past the gate.
        new("DELETE", "/api/shifts/{id}/signups/{id}", false, EndpointAccess.Everyone),
        new("GET", "/api/shifts/{id}/signups", false, EndpointAccess.MapAdmins),
        new("GET", "/api/public/shifts", Anonymous: true),
        new("POST", "/api/public/shifts/{id}/signups", Anonymous: true),
    ];
}
