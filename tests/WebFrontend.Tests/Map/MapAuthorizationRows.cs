using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Map;

/// <summary>Every map endpoint and who gets past its gate (docs/api/map.md).</summary>
public sealed class MapAuthorizationRows : IAuthorizationRows
{
    private const string Id = "{id}";

    public IEnumerable<EndpointAccess> Rows =>
    [
        new("GET", "/api/map/locations", false, EndpointAccess.MapAdmins),
        new("POST", "/api/map/locations", false, EndpointAccess.MapAdmins),
        new("GET", $"/api/map/locations/{Id}", false, EndpointAccess.MapAdmins),
        new("PATCH", $"/api/map/locations/{Id}", false, EndpointAccess.MapAdmins),
        new("DELETE", $"/api/map/locations/{Id}", false, EndpointAccess.MapAdmins),
        new("GET", $"/api/map/locations/{Id}/history", false, EndpointAccess.MapAdmins),
        new("GET", $"/api/map/locations/{Id}/addresses", false, EndpointAccess.MapAdmins),
        new("POST", $"/api/map/locations/{Id}/addresses", false, EndpointAccess.MapAdmins),
        new("PATCH", $"/api/map/addresses/{Id}", false, EndpointAccess.MapAdmins),
        new("DELETE", $"/api/map/addresses/{Id}", false, EndpointAccess.MapAdmins),
        new("POST", $"/api/map/locations/{Id}/geocode", false, EndpointAccess.MapAdmins),
        new("POST", "/api/map/geocode/bulk", false, EndpointAccess.MapAdmins),
        new("POST", "/api/map/imports/nar", false, EndpointAccess.MapAdmins),
        new("POST", "/api/map/imports/csv", false, EndpointAccess.MapAdmins),
        new("GET", $"/api/map/jobs/{Id}", false, EndpointAccess.MapAdmins),
        new("GET", "/api/map/cuts", false, EndpointAccess.Everyone),
        new("POST", "/api/map/cuts", false, EndpointAccess.MapAdmins),
        new("GET", $"/api/map/cuts/{Id}", false, EndpointAccess.MapAdmins),
        new("PATCH", $"/api/map/cuts/{Id}", false, EndpointAccess.MapAdmins),
        new("DELETE", $"/api/map/cuts/{Id}", false, EndpointAccess.MapAdmins),
        new("GET", $"/api/map/cuts/{Id}/locations", false, EndpointAccess.Everyone),
        new("GET", $"/api/map/cuts/{Id}/walk-sheet", false, EndpointAccess.MapAdmins),
        new("GET", $"/api/map/cuts/{Id}/export", false, EndpointAccess.MapAdmins),
        new("GET", "/api/map/settings", false, EndpointAccess.Everyone),
        new("PUT", "/api/map/settings", false, EndpointAccess.MapAdmins),
    ];
}
