using Microsoft.AspNetCore.Authorization;

namespace ChangemakerLite.WebFrontend.Auth;

/// <summary>Policy names that endpoints declare; their meaning lives in <see cref="AccessRules"/>.</summary>
public static class Policies
{
    public const string SignedIn = "signed-in";
    public const string NonTemp = "non-temp";
    public const string SuperAdmin = "super-admin";

    public static string Administer(AdminApp app) => $"admin:{app.ToString().ToLowerInvariant()}";

    public static void AddChangemakerPolicies(this AuthorizationOptions options)
    {
        options.AddPolicy(SignedIn, p => p.RequireAuthenticatedUser());
        options.AddPolicy(NonTemp, p => p.RequireAuthenticatedUser()
            .RequireAssertion(c => AccessRules.RoleOf(c.User) is { } role && role != Grains.Interfaces.Auth.UserRole.Temp));
        options.AddPolicy(SuperAdmin, p => p.RequireAuthenticatedUser()
            .RequireAssertion(c => AccessRules.RoleOf(c.User) == Grains.Interfaces.Auth.UserRole.SuperAdmin));
        foreach (var app in Enum.GetValues<AdminApp>())
            options.AddPolicy(Administer(app), p => p.RequireAuthenticatedUser()
                .RequireAssertion(c => AccessRules.CanAdminister(c.User, app)));
    }
}
