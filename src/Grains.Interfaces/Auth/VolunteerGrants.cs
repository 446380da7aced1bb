using System.Text.Json;

namespace ChangemakerLite.Grains.Interfaces.Auth;

/// <summary>What an admin may let a volunteer do beyond the public turf (docs/shifts.md "Private turf").</summary>
public enum VolunteerGrant
{
    /// <summary>See and join shifts that are not public, and so canvass their cuts.</summary>
    PrivateShifts,

    /// <summary>See the support level and last outcome of each door on a walk list.</summary>
    SupportLevels,
}

/// <summary>
/// The one rule of who holds a <see cref="VolunteerGrant"/>, decided from a user's role and <c>permissions</c> JSON,
/// so the frontend (from the token's claims) and the grains (from the user row) decide alike:
/// <list type="bullet">
/// <item>an admin of the related app holds it: <c>SUPER_ADMIN</c>; <c>MAP_ADMIN</c> unless the app is withdrawn;
///   any non-TEMP user given the app (<c>{"shifts": true}</c> for private shifts, <c>{"canvass": true}</c> for support levels);</item>
/// <item>any other non-TEMP user holds it only when an admin set it: <c>{"privateShifts": true}</c>, <c>{"supportLevels": true}</c>;</item>
/// <item>TEMP users never hold it. A self-registered account starts with <c>{}</c>, so it holds neither.</item>
/// </list>
/// The role defaults mirror the frontend's <c>AccessRules</c> (MAP_ADMIN administers map, shifts and canvass).
/// </summary>
public static class VolunteerGrants
{
    /// <summary>The permission keys, as stored in <c>users.permissions</c>.</summary>
    public static readonly string[] Keys = ["privateShifts", "supportLevels"];

    public static string KeyOf(VolunteerGrant grant) => grant switch
    {
        VolunteerGrant.PrivateShifts => "privateShifts",
        _ => "supportLevels",
    };

    private static string AppOf(VolunteerGrant grant) => grant == VolunteerGrant.PrivateShifts ? "shifts" : "canvass";

    public static bool Has(UserRole role, string? permissionsJson, VolunteerGrant grant)
    {
        if (role == UserRole.SuperAdmin) return true;
        if (role == UserRole.Temp) return false;
        if (string.IsNullOrWhiteSpace(permissionsJson) || permissionsJson.AsSpan().Trim() is "{}") return role == UserRole.MapAdmin;
        var adminOfApp = Flag(permissionsJson, AppOf(grant)) ?? role == UserRole.MapAdmin;
        return adminOfApp || Flag(permissionsJson, KeyOf(grant)) == true;
    }

    private static bool? Flag(string permissionsJson, string key)
    {
        try
        {
            using var document = JsonDocument.Parse(permissionsJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return null;
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
