using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Canvassing;

/// <summary>
/// Canvassing endpoints for the authorization matrix. Session endpoints admit every signed-in user at the
/// gate (TEMP users canvass too: public shift signups make them); ownership is decided per session, which
/// <see cref="CanvassAuthorizationTests"/> covers. Lists and cut stats are for canvass admins.
/// </summary>
public sealed class CanvassAuthorizationRows : IAuthorizationRows
{
    public IEnumerable<EndpointAccess> Rows =>
    [
        new("POST", "/api/canvass/sessions", false, EndpointAccess.Everyone),
        new("GET", "/api/canvass/sessions/active", false, EndpointAccess.Everyone),
        new("GET", "/api/canvass/sessions", false, EndpointAccess.MapAdmins),
        new("GET", "/api/canvass/sessions/{id}", false, EndpointAccess.Everyone),
        new("POST", "/api/canvass/sessions/{id}/visits", false, EndpointAccess.Everyone),
        new("POST", "/api/canvass/sessions/{id}/points", false, EndpointAccess.Everyone),
        new("GET", "/api/canvass/sessions/{id}/track", false, EndpointAccess.Everyone),
        new("POST", "/api/canvass/sessions/{id}/end", false, EndpointAccess.Everyone),
        new("GET", "/api/canvass/cuts/{id}/walk-list", false, EndpointAccess.Everyone),
        new("GET", "/api/canvass/cuts/{id}/stats", false, EndpointAccess.MapAdmins),
        new("POST", "/api/canvass/sessions/{id}/doors/lease", false, EndpointAccess.Everyone),
        new("GET", "/api/canvass/shifts/{id}/turf", false, EndpointAccess.Everyone),
        new("GET", "/api/canvass/conflicts", false, EndpointAccess.MapAdmins),
        new("POST", "/api/canvass/conflicts/{id}/review", false, EndpointAccess.MapAdmins),
        // Admins see every alert; a shift's lead (any role) only their shifts' ones, which is decided past the gate.
        new("GET", "/api/canvass/alerts", false, EndpointAccess.Everyone),
        new("POST", "/api/canvass/alerts/{id}/acknowledge", false, EndpointAccess.Everyone),
        // The shift lead's route is mapped with the canvass alerts it serves.
        new("PUT", "/api/shifts/{id}/lead", false, EndpointAccess.MapAdmins),
    ];
}
