namespace ChangemakerLite.Grains.Interfaces.Canvassing;

public enum VisitOutcome { NotHome, Refused, Moved, AlreadyVoted, SpokeWith, LeftLiterature, ComeBackLater }

public enum CanvassSessionStatus { Active, Completed, Abandoned }

public enum TrackPointEvent { LocationAdded, VisitRecorded, SessionStarted, SessionEnded }
