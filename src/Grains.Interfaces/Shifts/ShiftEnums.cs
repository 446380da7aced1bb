namespace ChangemakerLite.Grains.Interfaces.Shifts;

public enum ShiftStatus { Open, Full, Cancelled }

/// <summary>CONFIRMED holds a place; WAITLISTED is in line for one (a full shift), in the order signups were taken.</summary>
public enum SignupStatus { Confirmed, Cancelled, Waitlisted }

public enum SignupSource { Authenticated, Public, Admin }
