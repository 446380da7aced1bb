namespace ChangemakerLite.Grains.Interfaces.Canvassing;

public enum VisitOutcome { NotHome, Refused, Moved, AlreadyVoted, SpokeWith, LeftLiterature, ComeBackLater }

public enum CanvassSessionStatus { Active, Completed, Abandoned }

public enum TrackPointEvent { LocationAdded, VisitRecorded, SessionStarted, SessionEnded }

/// <summary>The conditions a canvasser's safety is watched for (docs/canvassing.md "Safety alerts").</summary>
public enum SafetyAlertKind { Stationary, OutsideCut, PastShiftEnd }
