using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.WebFrontend.Auth;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

/// <summary>How roles and the per-user permissions JSON combine into "may administer this app".</summary>
public sealed class AccessRulesTests
{
    [Theory]
    [InlineData(UserRole.MapAdmin, "{}", AdminApp.Map, true)]
    [InlineData(UserRole.MapAdmin, "{}", AdminApp.Shifts, true)]
    [InlineData(UserRole.MapAdmin, "{}", AdminApp.Influence, false)]
    [InlineData(UserRole.MapAdmin, "{\"map\": false}", AdminApp.Map, false)]
    [InlineData(UserRole.InfluenceAdmin, "{}", AdminApp.Influence, true)]
    [InlineData(UserRole.InfluenceAdmin, "{}", AdminApp.Map, false)]
    [InlineData(UserRole.User, "{}", AdminApp.Map, false)]
    [InlineData(UserRole.User, "{\"map\": true}", AdminApp.Map, true)]
    [InlineData(UserRole.User, "{\"MAP\": true}", AdminApp.Map, true)]
    [InlineData(UserRole.User, "{\"map\": \"yes\"}", AdminApp.Map, false)]
    [InlineData(UserRole.User, "not json", AdminApp.Map, false)]
    [InlineData(UserRole.Temp, "{\"map\": true}", AdminApp.Map, false)]
    [InlineData(UserRole.SuperAdmin, "{\"users\": false, \"map\": false}", AdminApp.Users, true)]
    [InlineData(UserRole.SuperAdmin, "{\"map\": false}", AdminApp.Map, true)]
    public void Roles_grant_apps_and_permissions_refine_them(UserRole role, string permissions, AdminApp app, bool expected) =>
        Assert.Equal(expected, AccessRules.CanAdminister(role, permissions, app));
}
