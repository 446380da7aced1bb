using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Interfaces.Canvassing;

/// <summary>A door knocked twice within the conflict window by different canvassers (docs/canvassing.md "Knock conflicts").</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.KnockConflictView")]
public sealed record KnockConflictView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid AddressId,
    [property: Id(2)] Guid? CutId,
    [property: Id(3)] Guid FirstVisitId,
    [property: Id(4)] Guid FirstUserId,
    [property: Id(5)] string? FirstUserName,
    [property: Id(6)] DateTimeOffset FirstVisitedAt,
    [property: Id(7)] Guid SecondVisitId,
    [property: Id(8)] Guid SecondUserId,
    [property: Id(9)] string? SecondUserName,
    [property: Id(10)] DateTimeOffset SecondVisitedAt,
    [property: Id(11)] int GapSeconds,
    [property: Id(12)] DateTimeOffset CreatedAt,
    [property: Id(13)] DateTimeOffset? ReviewedAt,
    [property: Id(14)] Guid? ReviewedByUserId,
    [property: Id(15)] string? ReviewNote);

[GenerateSerializer, Immutable, Alias("cml.canvass.ConflictFilter")]
public sealed record ConflictFilter([property: Id(0)] Guid? CutId, [property: Id(1)] bool? Reviewed);

/// <summary>A safety alert: raised once per condition per session, kept, and acknowledged at most once.</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.SafetyAlertView")]
public sealed record SafetyAlertView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid SessionId,
    [property: Id(2)] Guid UserId,
    [property: Id(3)] string? UserName,
    [property: Id(4)] Guid? ShiftId,
    [property: Id(5)] Guid? CutId,
    [property: Id(6)] SafetyAlertKind Kind,
    [property: Id(7)] DateTimeOffset ConditionAt,
    [property: Id(8)] DateTimeOffset RaisedAt,
    [property: Id(9)] double? Latitude,
    [property: Id(10)] double? Longitude,
    [property: Id(11)] double? Measure,
    [property: Id(12)] DateTimeOffset? AcknowledgedAt,
    [property: Id(13)] Guid? AcknowledgedByUserId);

/// <summary>
/// Which alerts to list. <see cref="LeadUserId"/> set: only the alerts of shifts that user leads (a lead's own view);
/// null: all (admins).
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.AlertFilter")]
public sealed record AlertFilter(
    [property: Id(0)] SafetyAlertKind? Kind,
    [property: Id(1)] Guid? ShiftId,
    [property: Id(2)] Guid? SessionId,
    [property: Id(3)] bool? Acknowledged,
    [property: Id(4)] Guid? LeadUserId);

/// <summary>One knock conflict (key: its id): the single writer of its review.</summary>
[Alias("cml.canvass.IKnockConflictGrain")]
public interface IKnockConflictGrain : IGrainWithGuidKey
{
    /// <summary>Marks the conflict reviewed with a note; 404 when there is none, 409 when it was reviewed already.</summary>
    [Alias("Review")] Task<KnockConflictView> Review(Guid reviewerId, string? note);
}

/// <summary>One safety alert (key: its id): the single writer of its acknowledgement.</summary>
[Alias("cml.canvass.ISafetyAlertGrain")]
public interface ISafetyAlertGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Acknowledges the alert (by an admin, or the lead of the alert's shift); 404 for anyone else. Acknowledging again
    /// answers the first acknowledgement unchanged.
    /// </summary>
    [Alias("Acknowledge")] Task<SafetyAlertView> Acknowledge(Caller caller);
}

/// <summary>
/// The periodic half of safety detection: SQL over indexed columns for sessions past their shift's end and canvassers
/// whose fixes stopped coming, every few seconds (the trail's own grain checks stationary and outside as points arrive).
/// </summary>
[Alias("cml.canvass.ISafetySweepGrain")]
public interface ISafetySweepGrain : IGrainWithIntegerKey
{
    [Alias("Ensure")] Task Ensure();

    /// <summary>One sweep now; returns how many alerts it raised.</summary>
    [Alias("SweepNow")] Task<int> SweepNow();
}

/// <summary>Reads of conflicts and alerts that span rows, answered by SQL on any silo.</summary>
[Alias("cml.canvass.ICanvassAlertQueryGrain")]
public interface ICanvassAlertQueryGrain : IGrainWithIntegerKey
{
    [Alias("ListConflicts")] Task<Page<KnockConflictView>> ListConflicts(ConflictFilter filter, PageRequest page);
    [Alias("ListAlerts")] Task<Page<SafetyAlertView>> ListAlerts(AlertFilter filter, PageRequest page);

    /// <summary>The lead of the shift, or null when the shift has none (or does not exist).</summary>
    [Alias("ShiftLead")] Task<Guid?> ShiftLead(Guid shiftId);
}

/// <summary>Limits of the review note.</summary>
public static class CanvassAlertRules
{
    public const int MaxReviewNoteLength = 2000;
}
