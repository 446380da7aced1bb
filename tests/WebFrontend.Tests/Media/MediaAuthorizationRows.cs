using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Media;

/// <summary>Every media endpoint and who gets past its gate (docs/api/media.md): the library and jobs are SUPER_ADMIN's, the gallery anyone's.</summary>
public sealed class MediaAuthorizationRows : IAuthorizationRows
{
    private const string Id = "{id}";

    public IEnumerable<EndpointAccess> Rows =>
    [
        new("POST", "/api/media/upload", false, EndpointAccess.SuperAdminOnly),
        new("GET", "/api/media/videos", false, EndpointAccess.SuperAdminOnly),
        new("GET", $"/api/media/videos/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("PATCH", $"/api/media/videos/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("DELETE", $"/api/media/videos/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/media/videos/{Id}/lock", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/media/videos/{Id}/unlock", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/media/videos/{Id}/publish", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/media/videos/{Id}/unpublish", false, EndpointAccess.SuperAdminOnly),
        // Anyone passes the gate; an unpublished video is then a 404 for all but SUPER_ADMIN.
        new("GET", $"/api/media/videos/{Id}/stream", true, EndpointAccess.Everyone),
        new("POST", "/api/media/compilations", false, EndpointAccess.SuperAdminOnly),
        new("GET", $"/api/media/compilations/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("POST", "/api/media/scans", false, EndpointAccess.SuperAdminOnly),
        new("POST", "/api/media/revalidations", false, EndpointAccess.SuperAdminOnly),
        new("GET", "/api/media/jobs", false, EndpointAccess.SuperAdminOnly),
        new("GET", $"/api/media/jobs/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("PATCH", $"/api/media/jobs/{Id}", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/media/jobs/{Id}/cancel", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/media/jobs/{Id}/retry", false, EndpointAccess.SuperAdminOnly),
        new("GET", "/api/media/comments", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/media/comments/{Id}/approve", false, EndpointAccess.SuperAdminOnly),
        new("POST", $"/api/media/comments/{Id}/reject", false, EndpointAccess.SuperAdminOnly),
        new("GET", "/api/public/media", true, EndpointAccess.Everyone),
        new("GET", $"/api/public/media/{Id}", true, EndpointAccess.Everyone),
        new("POST", $"/api/public/media/{Id}/view", true, EndpointAccess.Everyone),
        new("POST", $"/api/public/media/{Id}/reactions", true, EndpointAccess.Everyone),
        new("POST", $"/api/public/media/{Id}/comments", true, EndpointAccess.Everyone),
    ];
}
