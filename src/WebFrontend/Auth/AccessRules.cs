using System.Security.Claims;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.WebFrontend.Auth;

/// <summary>The apps whose administration the <c>permissions</c> JSON can grant or withdraw, per user.</summary>
public enum AdminApp { Influence, Map, Shifts, Canvass, Media, Pages, Templates, Settings, Users }

/// <summary>
/// The one place that decides who may administer what. A role grants a default set of apps; a user's
/// <c>permissions</c> JSON (<c>{"map": true, "influence": false}</c>) adds or withdraws single apps.
/// SUPER_ADMIN always has everything and TEMP never administers anything, whatever the JSON says.
/// </summary>
public static class AccessRules
{
    public const string RoleClaim = "role";
    public const string PermissionsClaim = "permissions";
    public const string EmailClaim = "email";
    public const string UserIdClaim = "sub";

    private static readonly Dictionary<UserRole, AdminApp[]> RoleApps = new()
    {
        [UserRole.SuperAdmin] = Enum.GetValues<AdminApp>(),
        [UserRole.InfluenceAdmin] = [AdminApp.Influence, AdminApp.Templates],
        [UserRole.MapAdmin] = [AdminApp.Map, AdminApp.Shifts, AdminApp.Canvass],
        [UserRole.User] = [],
        [UserRole.Temp] = [],
    };

    public static UserRole? RoleOf(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && Enum.GetValues<UserRole>()
            .Select(r => (UserRole?)r)
            .FirstOrDefault(r => EnumWireNames.ToWireName(r!.Value) == user.FindFirstValue(RoleClaim)) is { } role
            ? role
            : null;

    public static Guid? UserIdOf(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(UserIdClaim), out var id) ? id : null;

    public static bool CanAdminister(UserRole role, string? permissionsJson, AdminApp app)
    {
        if (role == UserRole.SuperAdmin) return true;
        if (role == UserRole.Temp) return false;
        var granted = RoleApps[role].Contains(app);
        return Override(permissionsJson, app) ?? granted;
    }

    public static bool CanAdminister(ClaimsPrincipal user, AdminApp app) =>
        RoleOf(user) is { } role && CanAdminister(role, user.FindFirstValue(PermissionsClaim), app);

    /// <summary>Whether the signed-in user holds a volunteer grant (the rule is <see cref="VolunteerGrants"/>, shared with the grains).</summary>
    public static bool Holds(ClaimsPrincipal user, VolunteerGrant grant) =>
        RoleOf(user) is { } role && VolunteerGrants.Has(role, user.FindFirstValue(PermissionsClaim), grant);

    private static bool? Override(string? permissionsJson, AdminApp app)
    {
        // Most users carry no overrides; this runs on every canvasser's request, so the empty object is not parsed.
        if (string.IsNullOrWhiteSpace(permissionsJson) || permissionsJson.AsSpan().Trim() is "{}") return null;
        try
        {
            using var document = JsonDocument.Parse(permissionsJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return null;
            var key = app.ToString().ToLowerInvariant();
            foreach (var property in document.RootElement.EnumerateObject())
                if (string.Equals(property.Name, key, StringComparison.OrdinalIgnoreCase))
                    return property.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => null,
                    };
        }
        catch (JsonException)
        {
            // A malformed permissions document grants nothing beyond the role.
        }
        return null;
    }
}
