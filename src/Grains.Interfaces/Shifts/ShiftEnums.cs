namespace ChangemakerLite.Grains.Interfaces.Shifts;

public enum ShiftStatus { Open, Full, Cancelled }

public enum SignupStatus { Confirmed, Cancelled }

public enum SignupSource { Authenticated, Public, Admin }
