using System.Security.Claims;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Canvassing;

/// <summary>
/// The live canvassing map (<c>canvass:live</c>, <c>canvass:cut:{id}</c>) shows where every canvasser is:
/// canvass admins only. A session's own topic (<c>session:{id}</c>) is also open to its canvasser. Safety alerts and knock
/// conflicts (<c>canvass:alerts</c>) are for canvass admins; the alerts of one shift (<c>canvass:shift-alerts:{id}</c>)
/// also for that shift's lead.
/// </summary>
public sealed class CanvassTopicAuthorizer(IClusterClient cluster) : ILiveTopicAuthorizer
{
    private const string CutPrefix = "canvass:cut:";
    private const string SessionPrefix = "session:";
    private const string ShiftAlertsPrefix = "canvass:shift-alerts:";

    public bool Handles(string topic) =>
        topic == LiveTopics.CanvassLive || topic == LiveTopics.CanvassAlerts || topic.StartsWith(CutPrefix, StringComparison.Ordinal) ||
        topic.StartsWith(SessionPrefix, StringComparison.Ordinal) || topic.StartsWith(ShiftAlertsPrefix, StringComparison.Ordinal);

    public async ValueTask<bool> MaySubscribe(ClaimsPrincipal user, string topic, CancellationToken cancellationToken)
    {
        var isAdmin = AccessRules.CanAdminister(user, AdminApp.Canvass);
        if (topic == LiveTopics.CanvassLive || topic == LiveTopics.CanvassAlerts) return isAdmin;
        if (topic.StartsWith(ShiftAlertsPrefix, StringComparison.Ordinal))
        {
            if (!Guid.TryParse(topic[ShiftAlertsPrefix.Length..], out var shiftId) || topic != LiveTopics.ShiftAlerts(shiftId)) return false;
            if (isAdmin) return true;
            return AccessRules.UserIdOf(user) is { } leadId &&
                   await cluster.GetGrain<ICanvassAlertQueryGrain>(0).ShiftLead(shiftId).WaitAsync(cancellationToken) == leadId;
        }
        if (topic.StartsWith(CutPrefix, StringComparison.Ordinal))
            return isAdmin && Guid.TryParse(topic[CutPrefix.Length..], out var cutId) && topic == LiveTopics.CanvassCut(cutId);
        if (!Guid.TryParse(topic[SessionPrefix.Length..], out var sessionId) || topic != LiveTopics.Session(sessionId)) return false;
        if (isAdmin) return true;
        if (AccessRules.UserIdOf(user) is not { } userId) return false;
        var owner = await cluster.GetGrain<ICanvassQueryGrain>(0).GetOwnership(sessionId).WaitAsync(cancellationToken);
        return owner?.UserId == userId;
    }
}
