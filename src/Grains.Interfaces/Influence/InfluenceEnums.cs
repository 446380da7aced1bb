namespace ChangemakerLite.Grains.Interfaces.Influence;

public enum CampaignStatus { Draft, Active, Paused, Archived }

public enum GovernmentLevel { Federal, Provincial, Municipal, SchoolBoard }

public enum EmailMethod { Smtp, Mailto }

public enum CampaignEmailStatus { Queued, Sent, Failed, Clicked, UserInfoCaptured }

public enum ResponseType { Email, Letter, PhoneCall, Meeting, SocialMedia, Other }

public enum ResponseStatus { Pending, Approved, Rejected }
