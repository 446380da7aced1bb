using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Influence;

/// <summary>
/// The single writer of one campaign. The row, its active custom recipients and its counters live in memory after
/// activation; each command decides its rules (status, the nine flags) against that copy, commits with a version
/// check on the row where the row changes, and then updates memory and pushes a coalesced <c>campaignCounts</c>.
/// Sends and calls interleave: their rows never conflict with each other (the idempotency key is a unique index),
/// so many of them can be in the database at once.
///
/// The grain orders its commands and keeps the state; each rule is in one place: the campaign's own row, its edits
/// and the status machine (<see cref="CampaignRules"/>, its SQL and the free slug in <see cref="CampaignRows"/>),
/// exactly-once sends (<see cref="CampaignSends"/>), custom recipients (<see cref="CustomRecipients"/>), calls
/// (<see cref="CampaignCalls"/>), the response wall's submissions (<see cref="ResponseSubmissions"/>), and the
/// coalesced live counts (<see cref="CoalescedLiveUpdates"/>, <see cref="CampaignLiveEvents"/>).
/// </summary>
public sealed class CampaignGrain(
    NpgsqlDataSource db,
    TimeProvider time,
    LivePublisher live,
    ILogger<CampaignGrain> logger) : Grain, ICampaignGrain
{
    private static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(250);

    private CampaignView? _campaign;
    private int _version;
    private CampaignCounts _counts = new(0, 0, 0, 0);
    private CustomRecipients? _recipients;
    private CampaignSends? _sends;
    private CoalescedLiveUpdates? _live;

    private Guid CampaignId => this.GetPrimaryKey();

    private CustomRecipients Recipients => _recipients ??= new CustomRecipients(db, time, CampaignId);

    private CampaignSends Sends => _sends ??= new CampaignSends(db, time, GrainFactory, CampaignId);

    // Coalesced like the shift's: the first change after a quiet spell goes out at once, later ones at most every LiveInterval.
    private CoalescedLiveUpdates Live => _live ??= new CoalescedLiveUpdates(LiveInterval, time,
        (due, fire) => this.RegisterGrainTimer(_ =>
        {
            fire();
            return Task.CompletedTask;
        }, due, Timeout.InfiniteTimeSpan),
        PublishNow);

    public override Task OnActivateAsync(CancellationToken cancellationToken) => Reload(cancellationToken);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _live?.Flush();
        return Task.CompletedTask;
    }

    // -----------------------------------------------------------------------------------------------------------
    // The campaign itself
    // -----------------------------------------------------------------------------------------------------------

    public async Task<CampaignView> Create(CreateCampaignCommand command)
    {
        if (_campaign is not null) throw DomainException.Conflict("A campaign with this id exists already.");
        var fields = CampaignRules.Clean(command.Fields);
        CampaignRules.Validate(fields);
        var flags = CampaignRules.CreationFlags(command.Actor, command.Flags);
        var created = await CampaignRows.InsertWithFreeSlug(db, CampaignId, fields, flags, command.Actor, time.GetUtcNow())
            ?? throw DomainException.Conflict("A campaign with this id exists already.");
        _counts = new CampaignCounts(0, 0, 0, 0);
        Recipients.Replace([]);
        Apply(created, 0);
        return View();
    }

    public async Task<CampaignView> Get()
    {
        await Current();
        return View();
    }

    public async Task<PublicCampaignView> GetPublic() => PublicCampaignView.From(await ActiveOrNotFound());

    public async Task<CampaignView> Update(UpdateCampaignCommand command)
    {
        var campaign = await Current();
        CampaignRules.EnsureMayEdit(campaign, command);
        var next = CampaignRules.Edited(campaign, command, time.GetUtcNow());
        if (!await CampaignRows.Update(db, next, _version)) await StaleConflict();
        Apply(next, _version + 1);
        return View();
    }

    public async Task Delete(CampaignActor actor)
    {
        var campaign = await Current();
        CampaignRules.EnsureMayDelete(campaign, actor);
        if (!await CampaignRows.Delete(db, CampaignId, _version)) await StaleConflict();
        _campaign = null;
        _live?.Discard();
        DeactivateOnIdle();
    }

    // -----------------------------------------------------------------------------------------------------------
    // What supporters do: sends, calls, responses
    // -----------------------------------------------------------------------------------------------------------

    public async Task<SendEmailsResult> SendEmails(SendEmailsCommand command)
    {
        var wanted = CampaignSends.Distinct(command);
        // A replay answers what the first call accepted, whatever has changed since.
        if (await Sends.Replay(command.IdempotencyKey, wanted) is { } replayed) return replayed;
        var campaign = await ActiveOrNotFound();
        var outcome = await Sends.Accept(campaign, Recipients.SendableByEmail(campaign), command, wanted);
        if (outcome.Inserted > 0) Count(_counts with { EmailCount = _counts.EmailCount + outcome.Inserted });
        return outcome.Result;
    }

    public async Task<CallView> RecordCall(RecordCallCommand command)
    {
        var call = await CampaignCalls.Record(db, await ActiveOrNotFound(), command, time.GetUtcNow());
        Count(_counts with { CallCount = _counts.CallCount + 1 });
        return call;
    }

    public async Task<SubmittedResponse> SubmitResponse(SubmitResponseCommand command)
    {
        var submitted = await ResponseSubmissions.Submit(db, await ActiveOrNotFound(), command, time.GetUtcNow());
        Count(_counts with { ResponseCount = _counts.ResponseCount + 1 });
        return submitted;
    }

    public Task UpvoteAdded()
    {
        _counts = _counts with { UpvoteCount = _counts.UpvoteCount + 1 };
        return Task.CompletedTask;
    }

    // -----------------------------------------------------------------------------------------------------------
    // Custom recipients
    // -----------------------------------------------------------------------------------------------------------

    public async Task<IReadOnlyList<CustomRecipientView>> ListCustomRecipients() => await Recipients.List(await Current());

    public async Task<CustomRecipientView> AddCustomRecipient(CustomRecipientFields fields) => await Recipients.Add(await Current(), fields);

    public async Task<CustomRecipientView> UpdateCustomRecipient(Guid recipientId, CustomRecipientFields fields) =>
        await Recipients.Update(await Current(), recipientId, fields);

    public async Task DeleteCustomRecipient(Guid recipientId) => await Recipients.Delete(await Current(), recipientId);

    // -----------------------------------------------------------------------------------------------------------
    // State, version, live
    // -----------------------------------------------------------------------------------------------------------

    private CampaignView View() => _campaign!.WithCounts(_counts);

    private async Task<CampaignView> Current()
    {
        if (_campaign is null) await Reload();
        if (_campaign is not null) return _campaign;
        DeactivateOnIdle();
        throw DomainException.NotFound("The campaign");
    }

    private async Task<CampaignView> ActiveOrNotFound()
    {
        var campaign = await Current();
        CampaignRules.EnsurePublic(campaign);
        return campaign.WithCounts(_counts);
    }

    private async Task Reload(CancellationToken cancellationToken = default)
    {
        var loaded = await CampaignRows.Load(db, CampaignId, cancellationToken);
        _campaign = loaded?.Campaign;
        if (loaded is null) return;
        _version = loaded.Version;
        _counts = new CampaignCounts(loaded.Campaign.EmailCount, loaded.Campaign.CallCount, loaded.Campaign.ResponseCount, loaded.Campaign.UpvoteCount);
        Recipients.Replace(loaded.Recipients);
    }

    private async Task StaleConflict()
    {
        logger.LogInformation("Campaign {CampaignId} changed underneath this activation; reloading", CampaignId);
        await Reload();
        throw DomainException.Conflict("The campaign was changed at the same time; reload and try again.");
    }

    private void Apply(CampaignView next, int version)
    {
        _campaign = next;
        _version = version;
        Live.MarkChanged();
    }

    private void Count(CampaignCounts counts)
    {
        _counts = counts;
        Live.MarkChanged();
    }

    private void PublishNow()
    {
        if (_campaign is { } c) live.CampaignCounts(c, _counts);
    }
}
