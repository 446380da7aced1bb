using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Interfaces.Influence;

/// <summary>The nine switches of a campaign, each enforced on the public action it names.</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.CampaignFlags")]
public sealed record CampaignFlags(
    [property: Id(0)] bool AllowSmtpEmail = true,
    [property: Id(1)] bool AllowMailtoLink = true,
    [property: Id(2)] bool CollectUserInfo = true,
    [property: Id(3)] bool ShowEmailCount = true,
    [property: Id(4)] bool ShowCallCount = true,
    [property: Id(5)] bool AllowEmailEditing = false,
    [property: Id(6)] bool AllowCustomRecipients = false,
    [property: Id(7)] bool ShowResponseWall = false,
    [property: Id(8)] bool HighlightCampaign = false);

/// <summary>A partial change of the flags: null leaves a flag as it is.</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.CampaignFlagChanges")]
public sealed record CampaignFlagChanges(
    [property: Id(0)] bool? AllowSmtpEmail = null,
    [property: Id(1)] bool? AllowMailtoLink = null,
    [property: Id(2)] bool? CollectUserInfo = null,
    [property: Id(3)] bool? ShowEmailCount = null,
    [property: Id(4)] bool? ShowCallCount = null,
    [property: Id(5)] bool? AllowEmailEditing = null,
    [property: Id(6)] bool? AllowCustomRecipients = null,
    [property: Id(7)] bool? ShowResponseWall = null,
    [property: Id(8)] bool? HighlightCampaign = null)
{
    public bool Any => AllowSmtpEmail is not null || AllowMailtoLink is not null || CollectUserInfo is not null || ShowEmailCount is not null ||
                       ShowCallCount is not null || AllowEmailEditing is not null || AllowCustomRecipients is not null ||
                       ShowResponseWall is not null || HighlightCampaign is not null;

    public CampaignFlags ApplyTo(CampaignFlags flags) => new(
        AllowSmtpEmail ?? flags.AllowSmtpEmail, AllowMailtoLink ?? flags.AllowMailtoLink, CollectUserInfo ?? flags.CollectUserInfo,
        ShowEmailCount ?? flags.ShowEmailCount, ShowCallCount ?? flags.ShowCallCount, AllowEmailEditing ?? flags.AllowEmailEditing,
        AllowCustomRecipients ?? flags.AllowCustomRecipients, ShowResponseWall ?? flags.ShowResponseWall, HighlightCampaign ?? flags.HighlightCampaign);
}

/// <summary>What the campaign's grain counts as it accepts work (emails by status are read from the rows).</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.CampaignCounts")]
public sealed record CampaignCounts(
    [property: Id(0)] int EmailCount,
    [property: Id(1)] int CallCount,
    [property: Id(2)] int ResponseCount,
    [property: Id(3)] int UpvoteCount);

/// <summary>A campaign as influence admins and its creator see it.</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.CampaignView")]
public sealed record CampaignView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Slug,
    [property: Id(2)] string Title,
    [property: Id(3)] string? Description,
    [property: Id(4)] string EmailSubject,
    [property: Id(5)] string EmailBody,
    [property: Id(6)] string? CallToAction,
    [property: Id(7)] string? CoverPhoto,
    [property: Id(8)] CampaignStatus Status,
    [property: Id(9)] IReadOnlyList<GovernmentLevel> TargetGovernmentLevels,
    [property: Id(10)] bool AllowSmtpEmail,
    [property: Id(11)] bool AllowMailtoLink,
    [property: Id(12)] bool CollectUserInfo,
    [property: Id(13)] bool ShowEmailCount,
    [property: Id(14)] bool ShowCallCount,
    [property: Id(15)] bool AllowEmailEditing,
    [property: Id(16)] bool AllowCustomRecipients,
    [property: Id(17)] bool ShowResponseWall,
    [property: Id(18)] bool HighlightCampaign,
    [property: Id(19)] bool SubmittedForReview,
    [property: Id(20)] Guid? CreatedByUserId,
    [property: Id(21)] string? CreatedByUserEmail,
    [property: Id(22)] string? CreatedByUserName,
    [property: Id(23)] int EmailCount,
    [property: Id(24)] int CallCount,
    [property: Id(25)] int ResponseCount,
    [property: Id(26)] int UpvoteCount,
    [property: Id(27)] DateTimeOffset CreatedAt,
    [property: Id(28)] DateTimeOffset UpdatedAt)
{
    public CampaignFlags Flags => new(AllowSmtpEmail, AllowMailtoLink, CollectUserInfo, ShowEmailCount, ShowCallCount, AllowEmailEditing,
        AllowCustomRecipients, ShowResponseWall, HighlightCampaign);

    public CampaignView WithFlags(CampaignFlags f) => this with
    {
        AllowSmtpEmail = f.AllowSmtpEmail, AllowMailtoLink = f.AllowMailtoLink, CollectUserInfo = f.CollectUserInfo,
        ShowEmailCount = f.ShowEmailCount, ShowCallCount = f.ShowCallCount, AllowEmailEditing = f.AllowEmailEditing,
        AllowCustomRecipients = f.AllowCustomRecipients, ShowResponseWall = f.ShowResponseWall, HighlightCampaign = f.HighlightCampaign,
    };

    public CampaignView WithCounts(CampaignCounts c) => this with
    {
        EmailCount = c.EmailCount, CallCount = c.CallCount, ResponseCount = c.ResponseCount, UpvoteCount = c.UpvoteCount,
    };
}

/// <summary>
/// A campaign on the public pages: what a supporter needs to act, and only the counts its flags show
/// (a hidden count is null and left out of the JSON). Nothing about who made it.
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.influence.PublicCampaignView")]
public sealed record PublicCampaignView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Slug,
    [property: Id(2)] string Title,
    [property: Id(3)] string? Description,
    [property: Id(4)] string EmailSubject,
    [property: Id(5)] string EmailBody,
    [property: Id(6)] string? CallToAction,
    [property: Id(7)] string? CoverPhoto,
    [property: Id(8)] IReadOnlyList<GovernmentLevel> TargetGovernmentLevels,
    [property: Id(9)] bool AllowSmtpEmail,
    [property: Id(10)] bool AllowMailtoLink,
    [property: Id(11)] bool CollectUserInfo,
    [property: Id(12)] bool AllowEmailEditing,
    [property: Id(13)] bool ShowResponseWall,
    [property: Id(14)] bool HighlightCampaign,
    [property: Id(15)] int? EmailCount,
    [property: Id(16)] int? CallCount,
    [property: Id(17)] int? ResponseCount)
{
    public static PublicCampaignView From(CampaignView c) => new(c.Id, c.Slug, c.Title, c.Description, c.EmailSubject, c.EmailBody,
        c.CallToAction, c.CoverPhoto, c.TargetGovernmentLevels, c.AllowSmtpEmail, c.AllowMailtoLink, c.CollectUserInfo, c.AllowEmailEditing,
        c.ShowResponseWall, c.HighlightCampaign,
        c.ShowEmailCount ? c.EmailCount : null, c.ShowCallCount ? c.CallCount : null, c.ShowResponseWall ? c.ResponseCount : null);
}

/// <summary>The body of every <c>campaignCounts</c> live event; counts the flags hide are null (left out).</summary>
public sealed record CampaignCountsEvent(Guid CampaignId, int? EmailCount, int? CallCount, int? ResponseCount);

[GenerateSerializer, Immutable, Alias("cml.influence.CampaignFields")]
public sealed record CampaignFields(
    [property: Id(0)] string Title,
    [property: Id(1)] string? Description,
    [property: Id(2)] string EmailSubject,
    [property: Id(3)] string EmailBody,
    [property: Id(4)] string? CallToAction,
    [property: Id(5)] string? CoverPhoto,
    [property: Id(6)] IReadOnlyList<GovernmentLevel> TargetGovernmentLevels);

/// <summary>Who creates a campaign; a non-admin's campaign is a DRAFT submitted for review.</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.CampaignActor")]
public sealed record CampaignActor(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] bool IsAdmin);

[GenerateSerializer, Immutable, Alias("cml.influence.CreateCampaignCommand")]
public sealed record CreateCampaignCommand(
    [property: Id(0)] CampaignFields Fields,
    [property: Id(1)] CampaignFlags Flags,
    [property: Id(2)] CampaignActor Actor);

/// <summary>A partial edit; null leaves a field; an empty description, call to action or cover photo clears it.</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.UpdateCampaignCommand")]
public sealed record UpdateCampaignCommand(
    [property: Id(0)] string? Title,
    [property: Id(1)] string? Description,
    [property: Id(2)] string? EmailSubject,
    [property: Id(3)] string? EmailBody,
    [property: Id(4)] string? CallToAction,
    [property: Id(5)] string? CoverPhoto,
    [property: Id(6)] IReadOnlyList<GovernmentLevel>? TargetGovernmentLevels,
    [property: Id(7)] CampaignStatus? Status,
    [property: Id(8)] CampaignFlagChanges Flags,
    [property: Id(9)] CampaignActor Actor);

[GenerateSerializer, Immutable, Alias("cml.influence.CampaignFilter")]
public sealed record CampaignFilter(
    [property: Id(0)] CampaignStatus? Status,
    [property: Id(1)] string? Search,
    [property: Id(2)] Guid? OnlyCreatedBy);

// ---------------------------------------------------------------------------------------------------------------
// Representatives
// ---------------------------------------------------------------------------------------------------------------

[GenerateSerializer, Immutable, Alias("cml.influence.RepresentativeOffice")]
public sealed record RepresentativeOffice(
    [property: Id(0)] string? Type,
    [property: Id(1)] string? Tel,
    [property: Id(2)] string? Fax,
    [property: Id(3)] string? Postal);

[GenerateSerializer, Immutable, Alias("cml.influence.RepresentativeView")]
public sealed record RepresentativeView(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Email,
    [property: Id(2)] string? ElectedOffice,
    [property: Id(3)] string? DistrictName,
    [property: Id(4)] string? PartyName,
    [property: Id(5)] GovernmentLevel? Level,
    [property: Id(6)] string? Url,
    [property: Id(7)] string? PhotoUrl,
    [property: Id(8)] IReadOnlyList<RepresentativeOffice> Offices,
    [property: Id(9)] string? RepresentativeSetName);

/// <summary>A postal code's representatives, with where the answer came from and how old it is.</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.RepresentativeLookup")]
public sealed record RepresentativeLookup(
    [property: Id(0)] string PostalCode,
    [property: Id(1)] IReadOnlyList<RepresentativeView> Representatives,
    [property: Id(2)] string? City,
    [property: Id(3)] string? Province,
    [property: Id(4)] double? Latitude,
    [property: Id(5)] double? Longitude,
    [property: Id(6)] DateTimeOffset CachedAt,
    [property: Id(7)] bool Stale);

[GenerateSerializer, Immutable, Alias("cml.influence.CachedRepresentativeRow")]
public sealed record CachedRepresentativeRow(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string PostalCode,
    [property: Id(2)] RepresentativeView Representative,
    [property: Id(3)] DateTimeOffset CachedAt);

[GenerateSerializer, Immutable, Alias("cml.influence.RepresentativeCacheStats")]
public sealed record RepresentativeCacheStats(
    [property: Id(0)] long Representatives,
    [property: Id(1)] long PostalCodes,
    [property: Id(2)] long FreshPostalCodes,
    [property: Id(3)] DateTimeOffset? Oldest,
    [property: Id(4)] DateTimeOffset? Newest,
    [property: Id(5)] int CacheHours);

[GenerateSerializer, Immutable, Alias("cml.influence.RepresentativeCacheView")]
public sealed record RepresentativeCacheView(
    [property: Id(0)] IReadOnlyList<CachedRepresentativeRow> Items,
    [property: Id(1)] long Total,
    [property: Id(2), System.Text.Json.Serialization.JsonPropertyName("page")] int PageNumber,
    [property: Id(3)] int PageSize,
    [property: Id(4)] RepresentativeCacheStats Stats);

[GenerateSerializer, Immutable, Alias("cml.influence.PostalCodeView")]
public sealed record PostalCodeView(
    [property: Id(0)] string PostalCode,
    [property: Id(1)] string? City,
    [property: Id(2)] string? Province,
    [property: Id(3)] double? Latitude,
    [property: Id(4)] double? Longitude,
    [property: Id(5)] int Representatives,
    [property: Id(6)] DateTimeOffset LastUpdated);

[GenerateSerializer, Immutable, Alias("cml.influence.PostalCodeStats")]
public sealed record PostalCodeStats(
    [property: Id(0)] long Total,
    [property: Id(1)] IReadOnlyDictionary<string, long> ByProvince,
    [property: Id(2)] IReadOnlyList<PostalCodeView> Recent);

[GenerateSerializer, Immutable, Alias("cml.influence.UpstreamHealth")]
public sealed record UpstreamHealth(
    [property: Id(0)] bool Reachable,
    [property: Id(1)] int? StatusCode,
    [property: Id(2)] long ElapsedMs,
    [property: Id(3)] string BaseUrl,
    [property: Id(4)] int CallsInLastMinute,
    [property: Id(5)] int CallsPerMinute,
    [property: Id(6)] string? Error);

/// <summary>What the budget grain grants: go now or after <see cref="Wait"/>, or not at all before <see cref="RetryAfter"/>.</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.BudgetGrant")]
public sealed record BudgetGrant(
    [property: Id(0)] bool Granted,
    [property: Id(1)] TimeSpan Wait,
    [property: Id(2)] TimeSpan RetryAfter);

// ---------------------------------------------------------------------------------------------------------------
// Sends, calls, custom recipients
// ---------------------------------------------------------------------------------------------------------------

[GenerateSerializer, Immutable, Alias("cml.influence.EmailRecipient")]
public sealed record EmailRecipient(
    [property: Id(0)] string Email,
    [property: Id(1)] string? Name,
    [property: Id(2)] string? Title,
    [property: Id(3)] GovernmentLevel? Level);

[GenerateSerializer, Immutable, Alias("cml.influence.SendEmailsCommand")]
public sealed record SendEmailsCommand(
    [property: Id(0)] string IdempotencyKey,
    [property: Id(1)] EmailMethod Method,
    [property: Id(2)] string? PostalCode,
    [property: Id(3)] string? SenderName,
    [property: Id(4)] string? SenderEmail,
    [property: Id(5)] IReadOnlyList<EmailRecipient> Recipients,
    [property: Id(6)] string? Subject,
    [property: Id(7)] string? Body,
    [property: Id(8)] Guid? UserId,
    [property: Id(9)] string? SenderIp);

[GenerateSerializer, Immutable, Alias("cml.influence.SentEmail")]
public sealed record SentEmail(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string RecipientEmail,
    [property: Id(2)] CampaignEmailStatus Status,
    [property: Id(3)] string? MailtoUrl);

[GenerateSerializer, Immutable, Alias("cml.influence.SendEmailsResult")]
public sealed record SendEmailsResult([property: Id(0)] IReadOnlyList<SentEmail> Emails, [property: Id(1)] bool Replayed);

[GenerateSerializer, Immutable, Alias("cml.influence.CampaignEmailView")]
public sealed record CampaignEmailView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string RecipientEmail,
    [property: Id(2)] string? RecipientName,
    [property: Id(3)] string? RecipientTitle,
    [property: Id(4)] GovernmentLevel? RecipientLevel,
    [property: Id(5)] EmailMethod EmailMethod,
    [property: Id(6)] CampaignEmailStatus Status,
    [property: Id(7)] string Subject,
    [property: Id(8)] string? UserName,
    [property: Id(9)] string? UserEmail,
    [property: Id(10)] string? UserPostalCode,
    [property: Id(11)] DateTimeOffset SentAt);

[GenerateSerializer, Immutable, Alias("cml.influence.CampaignEmailsPage")]
public sealed record CampaignEmailsPage(
    [property: Id(0)] IReadOnlyList<CampaignEmailView> Items,
    [property: Id(1)] long Total,
    [property: Id(2), System.Text.Json.Serialization.JsonPropertyName("page")] int PageNumber,
    [property: Id(3)] int PageSize,
    [property: Id(4)] IReadOnlyDictionary<string, long> ByStatus,
    [property: Id(5)] IReadOnlyDictionary<string, long> ByMethod);

[GenerateSerializer, Immutable, Alias("cml.influence.RecordCallCommand")]
public sealed record RecordCallCommand(
    [property: Id(0)] string RepresentativeName,
    [property: Id(1)] string? RepresentativeTitle,
    [property: Id(2)] string PhoneNumber,
    [property: Id(3)] string? OfficeType,
    [property: Id(4)] string? CallerName,
    [property: Id(5)] string? CallerEmail,
    [property: Id(6)] string? PostalCode,
    [property: Id(7)] string? CallerIp);

[GenerateSerializer, Immutable, Alias("cml.influence.CallView")]
public sealed record CallView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid CampaignId,
    [property: Id(2)] string RepresentativeName,
    [property: Id(3)] string? RepresentativeTitle,
    [property: Id(4)] string PhoneNumber,
    [property: Id(5)] string? OfficeType,
    [property: Id(6)] DateTimeOffset CalledAt);

[GenerateSerializer, Immutable, Alias("cml.influence.CustomRecipientView")]
public sealed record CustomRecipientView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid CampaignId,
    [property: Id(2)] string RecipientName,
    [property: Id(3)] string RecipientEmail,
    [property: Id(4)] string? RecipientTitle,
    [property: Id(5)] string? RecipientOrganization,
    [property: Id(6)] string? Notes,
    [property: Id(7)] bool IsActive,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("cml.influence.CustomRecipientFields")]
public sealed record CustomRecipientFields(
    [property: Id(0)] string? RecipientName,
    [property: Id(1)] string? RecipientEmail,
    [property: Id(2)] string? RecipientTitle,
    [property: Id(3)] string? RecipientOrganization,
    [property: Id(4)] string? Notes,
    [property: Id(5)] bool? IsActive);

// ---------------------------------------------------------------------------------------------------------------
// Response wall
// ---------------------------------------------------------------------------------------------------------------

[GenerateSerializer, Immutable, Alias("cml.influence.SubmitResponseCommand")]
public sealed record SubmitResponseCommand(
    [property: Id(0)] string RepresentativeName,
    [property: Id(1)] string? RepresentativeTitle,
    [property: Id(2)] GovernmentLevel RepresentativeLevel,
    [property: Id(3)] string? RepresentativeEmail,
    [property: Id(4)] ResponseType ResponseType,
    [property: Id(5)] string ResponseText,
    [property: Id(6)] string? UserComment,
    [property: Id(7)] string? SubmittedByName,
    [property: Id(8)] string? SubmittedByEmail,
    [property: Id(9)] bool IsAnonymous,
    [property: Id(10)] Guid? UserId,
    [property: Id(11)] string? SubmittedIp,
    [property: Id(12)] string LinkBase);

/// <summary>A response as admins see it (the submitter included).</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.ResponseView")]
public sealed record ResponseView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid CampaignId,
    [property: Id(2)] string CampaignSlug,
    [property: Id(3)] string RepresentativeName,
    [property: Id(4)] string? RepresentativeTitle,
    [property: Id(5)] GovernmentLevel RepresentativeLevel,
    [property: Id(6)] string? RepresentativeEmail,
    [property: Id(7)] ResponseType ResponseType,
    [property: Id(8)] string ResponseText,
    [property: Id(9)] string? UserComment,
    [property: Id(10)] Guid? SubmittedByUserId,
    [property: Id(11)] string? SubmittedByName,
    [property: Id(12)] string? SubmittedByEmail,
    [property: Id(13)] bool IsAnonymous,
    [property: Id(14)] ResponseStatus Status,
    [property: Id(15)] bool IsVerified,
    [property: Id(16)] DateTimeOffset? VerifiedAt,
    [property: Id(17)] string? VerifiedBy,
    [property: Id(18)] int UpvoteCount,
    [property: Id(19)] DateTimeOffset? ReportedAt,
    [property: Id(20)] DateTimeOffset CreatedAt,
    [property: Id(21)] DateTimeOffset UpdatedAt);

/// <summary>A response on the public wall: never the submitter's email, and no name when anonymous.</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.PublicResponseView")]
public sealed record PublicResponseView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string CampaignSlug,
    [property: Id(2)] string RepresentativeName,
    [property: Id(3)] string? RepresentativeTitle,
    [property: Id(4)] GovernmentLevel RepresentativeLevel,
    [property: Id(5)] ResponseType ResponseType,
    [property: Id(6)] string ResponseText,
    [property: Id(7)] string? UserComment,
    [property: Id(8)] string? SubmittedByName,
    [property: Id(9)] bool IsAnonymous,
    [property: Id(10)] bool IsVerified,
    [property: Id(11)] int UpvoteCount,
    [property: Id(12)] DateTimeOffset CreatedAt)
{
    public static PublicResponseView From(ResponseView r) => new(r.Id, r.CampaignSlug, r.RepresentativeName, r.RepresentativeTitle,
        r.RepresentativeLevel, r.ResponseType, r.ResponseText, r.UserComment, r.IsAnonymous ? null : r.SubmittedByName, r.IsAnonymous,
        r.IsVerified, r.UpvoteCount, r.CreatedAt);
}

/// <summary>What the submitter learns: the response is waiting for moderation. No tokens.</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.SubmittedResponse")]
public sealed record SubmittedResponse(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string CampaignSlug,
    [property: Id(2)] ResponseStatus Status,
    [property: Id(3)] bool VerificationRequested,
    [property: Id(4)] DateTimeOffset CreatedAt);

public enum ResponseSort { Recent, Upvotes, Verified }

/// <summary>What a representative's verify or report link did, for its HTML page.</summary>
public enum TokenOutcome { Verified, Reported, AlreadyUsed, Expired, Unknown }

[GenerateSerializer, Immutable, Alias("cml.influence.UpvoteResult")]
public sealed record UpvoteResult([property: Id(0)] Guid ResponseId, [property: Id(1)] int UpvoteCount);

/// <summary>
/// The influence figures of the admin dashboard (GET /api/campaigns/stats): campaigns, responses waiting for
/// moderation, the emails of the last 24 hours by status, and the latest emails of every campaign.
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.influence.InfluenceStats")]
public sealed record InfluenceStats(
    [property: Id(0)] int ActiveCampaigns,
    [property: Id(1)] int Campaigns,
    [property: Id(2)] long PendingResponses,
    [property: Id(3)] long EmailsLast24Hours,
    [property: Id(4)] IReadOnlyDictionary<string, long> EmailsLast24HoursByStatus,
    [property: Id(5)] IReadOnlyList<RecentCampaignEmail> RecentEmails);

/// <summary>One of the latest emails of any campaign, with its campaign's title.</summary>
[GenerateSerializer, Immutable, Alias("cml.influence.RecentCampaignEmail")]
public sealed record RecentCampaignEmail(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid CampaignId,
    [property: Id(2)] string CampaignTitle,
    [property: Id(3)] string RecipientEmail,
    [property: Id(4)] string? RecipientName,
    [property: Id(5)] EmailMethod EmailMethod,
    [property: Id(6)] CampaignEmailStatus Status,
    [property: Id(7)] DateTimeOffset SentAt);
