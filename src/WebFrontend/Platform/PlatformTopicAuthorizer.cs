using System.Security.Claims;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>The cluster heartbeat is for people who run the system: SUPER_ADMIN only.</summary>
public sealed class PlatformTopicAuthorizer : ILiveTopicAuthorizer
{
    public bool Handles(string topic) => topic == LiveTopics.ClusterHeartbeat;

    public ValueTask<bool> MaySubscribe(ClaimsPrincipal user, string topic, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AccessRules.RoleOf(user) == Grains.Interfaces.Auth.UserRole.SuperAdmin);
}
