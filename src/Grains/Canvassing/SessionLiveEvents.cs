using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>The live events of a canvass session: <c>sessionChanged</c> and <c>visitRecorded</c>.</summary>
public static class SessionLiveEvents
{
    /// <summary>Where a session's events go: its own topic, the live map, and its cut's map when it has one.</summary>
    public static string[] Topics(Guid sessionId, Guid? cutId) => cutId is { } cut
        ? [LiveTopics.Session(sessionId), LiveTopics.CanvassLive, LiveTopics.CanvassCut(cut)]
        : [LiveTopics.Session(sessionId), LiveTopics.CanvassLive];

    public static void StatusChanged(this LivePublisher live, Guid sessionId, SessionState s) =>
        live.Publish(Topics(sessionId, s.CutId), "sessionChanged",
            new { sessionId, status = s.Status, userId = s.UserId, cutId = s.CutId, endedAt = s.EndedAt });

    public static void VisitRecorded(this LivePublisher live, VisitView visit, double latitude, double longitude) =>
        live.Publish(Topics(visit.SessionId, visit.CutId), "visitRecorded", new
        {
            sessionId = visit.SessionId, visitId = visit.Id, userId = visit.UserId, addressId = visit.AddressId, cutId = visit.CutId,
            outcome = visit.Outcome, supportLevel = visit.SupportLevel, latitude, longitude, visitedAt = visit.VisitedAt,
        });

    /// <summary>A knock conflict written with <paramref name="visit"/>: to canvass admins (the review queue).</summary>
    public static void ConflictRaised(this LivePublisher live, VisitView visit, RaisedConflict conflict) =>
        live.Publish(LiveTopics.CanvassAlerts, "conflictRaised", new
        {
            conflictId = conflict.Id, addressId = visit.AddressId, cutId = visit.CutId,
            firstVisitId = conflict.FirstVisitId, firstUserId = conflict.FirstUserId, firstVisitedAt = conflict.FirstVisitedAt,
            secondVisitId = visit.Id, secondUserId = visit.UserId, secondVisitedAt = visit.VisitedAt, gapSeconds = conflict.GapSeconds,
        });
}
