using System.Security.Claims;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Shifts;

/// <summary>
/// <c>shift:{id}</c>: the public shift page shows live counts to anyone, so anyone may watch a public shift; a shift
/// that is not public only those who may see it (shift admins, holders of the private-shifts grant, its volunteers).
/// </summary>
public sealed class ShiftTopicAuthorizer(IClusterClient cluster) : ILiveTopicAuthorizer
{
    private const string Prefix = "shift:";

    public bool Handles(string topic) => topic.StartsWith(Prefix, StringComparison.Ordinal);

    public async ValueTask<bool> MaySubscribe(ClaimsPrincipal user, string topic, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(topic.AsSpan(Prefix.Length), out var shiftId) || topic != Grains.Interfaces.Platform.LiveTopics.Shift(shiftId))
            return false;
        var query = cluster.GetGrain<IShiftQueryGrain>(0);
        if (await query.IsPublic(shiftId).WaitAsync(cancellationToken)) return true;
        // A shift that is not public: those who may see it (docs/shifts.md "Private turf").
        if (user.Identity?.IsAuthenticated != true || AccessRules.UserIdOf(user) is not { } userId) return false;
        if (AccessRules.CanAdminister(user, AdminApp.Shifts) || AccessRules.Holds(user, VolunteerGrant.PrivateShifts)) return true;
        return await query.IsSignedUp(shiftId, userId).WaitAsync(cancellationToken);
    }
}
