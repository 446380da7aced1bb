namespace ChangemakerLite.Grains.Interfaces.Auth;

public enum UserRole { SuperAdmin, InfluenceAdmin, MapAdmin, User, Temp }

public enum UserStatus { Active, Inactive, Suspended, Expired }

public enum UserCreatedVia { Admin, PublicShiftSignup, Standard }
