using ChangemakerLite.Grains.Interfaces.Platform;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Interfaces.Influence;

/// <summary>
/// One campaign: the single writer of its row, its custom recipients, and the sends, calls and responses it
/// accepts. It keeps the campaign and its counters in memory, decides every rule (status, the nine flags)
/// against that copy, commits under a version check, and pushes coalesced <c>campaignCounts</c> events.
/// </summary>
[Alias("cml.influence.ICampaignGrain")]
public interface ICampaignGrain : IGrainWithGuidKey
{
    [Alias("Create")] Task<CampaignView> Create(CreateCampaignCommand command);
    [Alias("Get")] Task<CampaignView> Get();
    [Alias("Update")] Task<CampaignView> Update(UpdateCampaignCommand command);
    [Alias("Delete")] Task Delete(CampaignActor actor);

    /// <summary>The campaign as the public sees it; 404 unless ACTIVE.</summary>
    [AlwaysInterleave, Alias("GetPublic")] Task<PublicCampaignView> GetPublic();

    /// <summary>A supporter's send (SMTP or MAILTO). A replay of the idempotency key answers the rows of the first call.</summary>
    [AlwaysInterleave, Alias("SendEmails")] Task<SendEmailsResult> SendEmails(SendEmailsCommand command);

    [AlwaysInterleave, Alias("RecordCall")] Task<CallView> RecordCall(RecordCallCommand command);

    [Alias("SubmitResponse")] Task<SubmittedResponse> SubmitResponse(SubmitResponseCommand command);

    /// <summary>A response of this campaign gained an upvote (told by the response's grain).</summary>
    [OneWay, Alias("UpvoteAdded")] Task UpvoteAdded();

    [Alias("ListCustomRecipients")] Task<IReadOnlyList<CustomRecipientView>> ListCustomRecipients();
    [Alias("AddCustomRecipient")] Task<CustomRecipientView> AddCustomRecipient(CustomRecipientFields fields);
    [Alias("UpdateCustomRecipient")] Task<CustomRecipientView> UpdateCustomRecipient(Guid recipientId, CustomRecipientFields fields);
    [Alias("DeleteCustomRecipient")] Task DeleteCustomRecipient(Guid recipientId);
}

/// <summary>One response of the wall: the single writer of its moderation, verification and upvotes.</summary>
[Alias("cml.influence.IResponseGrain")]
public interface IResponseGrain : IGrainWithGuidKey
{
    [Alias("Moderate")] Task<ResponseView> Moderate(ResponseStatus status);
    [Alias("MarkVerified")] Task<ResponseView> MarkVerified(string verifiedBy);
    [Alias("Upvote")] Task<UpvoteResult> Upvote(Guid? userId, string? userEmail, string? ip);
    /// <summary>The representative followed the verify (true) or the report (false) link carrying <paramref name="token"/>.</summary>
    [Alias("UseToken")] Task<TokenOutcome> UseToken(string token, bool verify);
}

/// <summary>
/// One postal code's representatives: answered from memory or the PostgreSQL cache while fresh; on a miss one
/// upstream call, however many callers wait for it; upstream failing, the cached answer however old.
/// </summary>
[Alias("cml.influence.IPostalCodeGrain")]
public interface IPostalCodeGrain : IGrainWithStringKey
{
    [Alias("Lookup")] Task<RepresentativeLookup> Lookup();
    /// <summary>Forgets what this activation and every frontend remember of the code (the cache rows were cleared or changed).</summary>
    [Alias("Forget")] Task Forget();
    /// <summary>Forgets what this activation remembers; the caller tells the frontends (clearing the whole cache tells them once).</summary>
    [Alias("ForgetMemory")] Task ForgetMemory();
}

/// <summary>
/// A frontend's copy of public lookup answers (answered without a grain call while fresh). Told, and awaited, when a
/// code's cache is cleared, so the next lookup on that frontend asks the code's grain again.
/// </summary>
[Alias("cml.influence.IRepresentativeAnswersObserver")]
public interface IRepresentativeAnswersObserver : IGrainObserver
{
    /// <summary>Forget the answer of <paramref name="postalCode"/>, or every answer when null.</summary>
    [Alias("Forget")] Task Forget(string? postalCode);
}

/// <summary>
/// The frontends holding copies of lookup answers (one grain, key 0). Frontends renew their entry every few seconds
/// and an entry not renewed within its lease is dropped; a frontend caches answers only while its entry is current.
/// </summary>
[Alias("cml.influence.IRepresentativeAnswersDirectoryGrain")]
public interface IRepresentativeAnswersDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Adds or renews a frontend's entry; false when the frontend was not registered (new, dropped for not answering, or
    /// this grain was activated afresh): it may have missed a forget, so it drops its whole copy.
    /// </summary>
    [Alias("Register")] Task<bool> Register(string frontendId, IRepresentativeAnswersObserver observer);
    [Alias("Unregister")] Task Unregister(string frontendId);
    /// <summary>Tells every registered frontend to forget a code's answer (every answer when null), waiting for each a moment at most.</summary>
    [Alias("Forget")] Task Forget(string? postalCode);
}

/// <summary>The cluster's one budget of upstream Represent calls (55 a minute by default).</summary>
[Alias("cml.influence.IRepresentBudgetGrain")]
public interface IRepresentBudgetGrain : IGrainWithIntegerKey
{
    /// <summary>Reserves one call: now, after a short wait (at most <paramref name="maxWait"/>), or refused with when to retry.</summary>
    [Alias("Reserve")] Task<BudgetGrant> Reserve(TimeSpan maxWait);
    [Alias("CallsInLastMinute")] Task<int> CallsInLastMinute();
}

/// <summary>Reads that span rows (lists, the cache view, the wall), straight from PostgreSQL.</summary>
[Alias("cml.influence.IInfluenceQueryGrain")]
public interface IInfluenceQueryGrain : IGrainWithIntegerKey
{
    [Alias("ListCampaigns")] Task<Page<CampaignView>> ListCampaigns(CampaignFilter filter, PageRequest page);
    [Alias("ListPublicCampaigns")] Task<Page<PublicCampaignView>> ListPublicCampaigns(PageRequest page);
    [Alias("CampaignIdBySlug")] Task<Guid?> CampaignIdBySlug(string slug);
    [Alias("CampaignEmails")] Task<CampaignEmailsPage> CampaignEmails(Guid campaignId, PageRequest page);
    [Alias("RepresentativeCache")] Task<RepresentativeCacheView> RepresentativeCache(string? postalCode, PageRequest page);
    [Alias("ClearRepresentativeCache")] Task<IReadOnlyList<string>> ClearRepresentativeCache(string? postalCode);
    [Alias("PostalCodeStats")] Task<PostalCodeStats> PostalCodeStats();
    [Alias("UpstreamHealth")] Task<UpstreamHealth> UpstreamHealth();
    [Alias("PublicResponses")] Task<Page<PublicResponseView>> PublicResponses(Guid campaignId, ResponseSort sort, PageRequest page);
    [Alias("Responses")] Task<Page<ResponseView>> Responses(Guid? campaignId, ResponseStatus? status, PageRequest page);
    [Alias("ResponseIdByToken")] Task<Guid?> ResponseIdByToken(string token, bool verify);
    [Alias("Stats")] Task<InfluenceStats> Stats(int recentEmails);
}

/// <summary>Topic names of the influence module's live events.</summary>
public static class InfluenceTopics
{
    public const string CampaignPrefix = "campaign:";
    public static string Campaign(Guid campaignId) => $"campaign:{campaignId}";
}
