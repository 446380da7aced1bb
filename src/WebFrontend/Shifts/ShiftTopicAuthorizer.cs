using System.Security.Claims;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Shifts;

/// <summary>
/// <c>shift:{id}</c>: the public shift page shows live counts to anyone, so anonymous viewers may watch
/// public shifts; every other shift is for signed-in users.
/// </summary>
public sealed class ShiftTopicAuthorizer(IClusterClient cluster) : ILiveTopicAuthorizer
{
    private const string Prefix = "shift:";

    public bool Handles(string topic) => topic.StartsWith(Prefix, StringComparison.Ordinal);

    public async ValueTask<bool> MaySubscribe(ClaimsPrincipal user, string topic, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(topic.AsSpan(Prefix.Length), out var shiftId) || topic != Grains.Interfaces.Platform.LiveTopics.Shift(shiftId))
            return false;
        if (user.Identity?.IsAuthenticated == true) return true;
        return await cluster.GetGrain<IShiftQueryGrain>(0).IsPublic(shiftId).WaitAsync(cancellationToken);
    }
}
