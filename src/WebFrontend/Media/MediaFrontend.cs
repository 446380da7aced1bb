using System.Security.Claims;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.WebFrontend.Auth;

namespace ChangemakerLite.WebFrontend.Media;

/// <summary>
/// MEDIA_ROOT (the library's directory, shared with the silos; <c>.local/media</c> by default), MEDIA_MAX_UPLOAD_BYTES
/// (10 GiB) and MEDIA_PUBLIC_RATE_LIMIT_PER_IP (views, reactions and comments of the public gallery per IP per minute, 30).
/// </summary>
public sealed record MediaFrontendOptions(string Root, long MaxUploadBytes, int PublicPerIpPerMinute)
{
    public static MediaFrontendOptions From(IConfiguration configuration) => new(
        Path.GetFullPath(configuration["MEDIA_ROOT"] is { Length: > 0 } root ? root : Path.Combine(".local", "media")),
        Math.Max(1, configuration.GetValue("MEDIA_MAX_UPLOAD_BYTES", 10L * 1024 * 1024 * 1024)),
        Math.Max(1, configuration.GetValue("MEDIA_PUBLIC_RATE_LIMIT_PER_IP", 30)));

    public string IncomingFolder => Path.Combine(Root, ".incoming");

    public string FullPath(string relativePath)
    {
        var full = Path.GetFullPath(Path.Combine(Root, relativePath));
        return full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : throw new InvalidOperationException("A path outside MEDIA_ROOT.");
    }

    public static bool IsSuperAdmin(ClaimsPrincipal user) => AccessRules.RoleOf(user) == UserRole.SuperAdmin;
}
