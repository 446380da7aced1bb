using System.Security.Cryptography;
using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Map;
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
/// </summary>
public sealed class CampaignGrain(
    NpgsqlDataSource db,
    TimeProvider time,
    LivePublisher live,
    ILogger<CampaignGrain> logger) : Grain, ICampaignGrain
{
    private const int MaxSlugAttempts = 50;
    private static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(30);

    private CampaignView? _campaign;
    private int _version;
    private List<CustomRecipientView> _recipients = [];
    private CampaignCounts _counts = new(0, 0, 0, 0);

    private CoalescedLiveUpdates? _live;

    private Guid CampaignId => this.GetPrimaryKey();

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
        var fields = Clean(command.Fields);
        Validate(fields);
        // A supporter's submission waits for review and cannot reach anyone's inbox until an admin decides it may.
        var flags = command.Actor.IsAdmin
            ? command.Flags
            : command.Flags with { AllowSmtpEmail = false, AllowCustomRecipients = false, HighlightCampaign = false };
        var baseSlug = InfluenceRules.Slugify(fields.Title);
        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync();
        for (var attempt = 0; attempt < MaxSlugAttempts; attempt++)
        {
            var slug = attempt == 0 ? baseSlug : await NextFreeSlug(connection, baseSlug);
            try
            {
                var created = await connection.Command($"""
                    INSERT INTO campaigns (id, slug, title, description, email_subject, email_body, call_to_action, cover_photo, status,
                        target_government_levels, allow_smtp_email, allow_mailto_link, collect_user_info, show_email_count, show_call_count,
                        allow_email_editing, allow_custom_recipients, show_response_wall, highlight_campaign, submitted_for_review,
                        created_by_user_id, created_by_user_email, created_by_user_name, version, created_at, updated_at)
                    SELECT @id, @slug, @title, @description, @subject, @body, @cta, @cover, 'DRAFT', @levels, @smtp, @mailto, @collect,
                        @showEmails, @showCalls, @editing, @custom, @wall, @highlight, @review, u.id, u.email, u.name, 0, @now, @now
                    FROM (SELECT 1) one LEFT JOIN users u ON u.id = @user
                    ON CONFLICT (id) DO NOTHING
                    RETURNING {InfluenceRows.CampaignColumns}
                    """, null,
                    ("id", CampaignId), ("slug", slug), ("title", fields.Title), ("description", fields.Description),
                    ("subject", fields.EmailSubject), ("body", fields.EmailBody), ("cta", fields.CallToAction), ("cover", fields.CoverPhoto),
                    ("levels", fields.TargetGovernmentLevels.ToArray()), ("smtp", flags.AllowSmtpEmail), ("mailto", flags.AllowMailtoLink),
                    ("collect", flags.CollectUserInfo), ("showEmails", flags.ShowEmailCount), ("showCalls", flags.ShowCallCount),
                    ("editing", flags.AllowEmailEditing), ("custom", flags.AllowCustomRecipients), ("wall", flags.ShowResponseWall),
                    ("highlight", flags.HighlightCampaign), ("review", !command.Actor.IsAdmin), ("user", command.Actor.UserId), ("now", now))
                    .FirstOrDefaultAsync(r => InfluenceRows.ReadCampaign(r, withCounts: false));
                if (created is null) throw DomainException.Conflict("A campaign with this id exists already.");
                _counts = new CampaignCounts(0, 0, 0, 0);
                _recipients = [];
                Apply(created, 0);
                return View();
            }
            catch (PostgresException ex) when (ex.IsUniqueViolation("campaigns_slug_key"))
            {
                // Another campaign of the same title took this slug a moment ago: take the next free one.
            }
        }
        throw DomainException.Conflict("Could not find a free slug for this title; try again.");
    }

    public async Task<CampaignView> Get()
    {
        await Current();
        return View();
    }

    public async Task<PublicCampaignView> GetPublic()
    {
        var campaign = await ActiveOrNotFound();
        return PublicCampaignView.From(campaign);
    }

    public async Task<CampaignView> Update(UpdateCampaignCommand command)
    {
        var campaign = await Current();
        if (!command.Actor.IsAdmin)
        {
            if (campaign.CreatedByUserId != command.Actor.UserId) throw DomainException.NotFound("The campaign");
            if (campaign.Status != CampaignStatus.Draft)
                throw Conflict("Only a draft can be edited by its author; this campaign is under an admin's care now.", "not_draft");
            if (command.Status is not null) throw DomainException.Forbidden("Only influence admins change a campaign's status.");
            if (command.Flags.Any) throw DomainException.Forbidden("Only influence admins change a campaign's switches.");
        }
        var fields = Clean(new CampaignFields(
            command.Title ?? campaign.Title,
            command.Description is null ? campaign.Description : command.Description,
            command.EmailSubject ?? campaign.EmailSubject,
            command.EmailBody ?? campaign.EmailBody,
            command.CallToAction is null ? campaign.CallToAction : command.CallToAction,
            command.CoverPhoto is null ? campaign.CoverPhoto : command.CoverPhoto,
            command.TargetGovernmentLevels ?? campaign.TargetGovernmentLevels));
        Validate(fields);
        var status = campaign.Status;
        if (command.Status is { } wanted && wanted != campaign.Status)
        {
            if (!InfluenceRules.CanMove(campaign.Status, wanted))
                throw Conflict($"A campaign cannot move from {EnumWireNames.ToWireName(campaign.Status)} to {EnumWireNames.ToWireName(wanted)}.",
                    "status_move");
            status = wanted;
        }
        else if (campaign.Status == CampaignStatus.Archived && (command.Flags.Any || command.Title is not null || command.EmailBody is not null ||
                                                                 command.EmailSubject is not null))
        {
            throw Conflict("An archived campaign can no longer be changed.", "archived");
        }
        var flags = command.Flags.ApplyTo(campaign.Flags);
        var next = (campaign with
        {
            Title = fields.Title, Description = fields.Description, EmailSubject = fields.EmailSubject, EmailBody = fields.EmailBody,
            CallToAction = fields.CallToAction, CoverPhoto = fields.CoverPhoto, TargetGovernmentLevels = fields.TargetGovernmentLevels,
            Status = status,
            SubmittedForReview = campaign.SubmittedForReview && status == CampaignStatus.Draft,
            UpdatedAt = time.GetUtcNow(),
        }).WithFlags(flags);
        var saved = await db.Command("""
            UPDATE campaigns SET title = @title, description = @description, email_subject = @subject, email_body = @body,
                call_to_action = @cta, cover_photo = @cover, target_government_levels = @levels, status = @status,
                allow_smtp_email = @smtp, allow_mailto_link = @mailto, collect_user_info = @collect, show_email_count = @showEmails,
                show_call_count = @showCalls, allow_email_editing = @editing, allow_custom_recipients = @custom,
                show_response_wall = @wall, highlight_campaign = @highlight, submitted_for_review = @review,
                version = version + 1, updated_at = @now
            WHERE id = @id AND version = @version
            """,
            ("title", next.Title), ("description", next.Description), ("subject", next.EmailSubject), ("body", next.EmailBody),
            ("cta", next.CallToAction), ("cover", next.CoverPhoto), ("levels", next.TargetGovernmentLevels.ToArray()), ("status", next.Status),
            ("smtp", next.AllowSmtpEmail), ("mailto", next.AllowMailtoLink), ("collect", next.CollectUserInfo),
            ("showEmails", next.ShowEmailCount), ("showCalls", next.ShowCallCount), ("editing", next.AllowEmailEditing),
            ("custom", next.AllowCustomRecipients), ("wall", next.ShowResponseWall), ("highlight", next.HighlightCampaign),
            ("review", next.SubmittedForReview), ("now", next.UpdatedAt), ("id", CampaignId), ("version", _version)).ExecuteAsync();
        if (saved == 0) await StaleConflict();
        Apply(next, _version + 1);
        return View();
    }

    public async Task Delete(CampaignActor actor)
    {
        var campaign = await Current();
        if (!actor.IsAdmin)
        {
            if (campaign.CreatedByUserId != actor.UserId) throw DomainException.NotFound("The campaign");
            if (campaign.Status != CampaignStatus.Draft)
                throw Conflict("Only a draft can be deleted by its author.", "not_draft");
        }
        var deleted = await db.Command("DELETE FROM campaigns WHERE id = @id AND version = @version", ("id", CampaignId), ("version", _version))
            .ExecuteAsync();
        if (deleted == 0) await StaleConflict();
        _campaign = null;
        _live?.Discard();
        DeactivateOnIdle();
    }

    // -----------------------------------------------------------------------------------------------------------
    // Sends
    // -----------------------------------------------------------------------------------------------------------

    public async Task<SendEmailsResult> SendEmails(SendEmailsCommand command)
    {
        var wanted = command.Recipients
            .GroupBy(r => r.Email.Trim().ToLowerInvariant())
            .Select(g => g.First() with { Email = g.First().Email.Trim() })
            .ToList();
        if (wanted.Count == 0) throw DomainException.Invalid("recipients", "name at least one recipient.");

        // A replay answers what the first call accepted, whatever has changed since.
        var earlier = await EmailsOfKey(null, null, command.IdempotencyKey);
        if (wanted.All(w => earlier.ContainsKey(w.Email.ToLowerInvariant())))
            return new SendEmailsResult(wanted.Select(w => earlier[w.Email.ToLowerInvariant()]).ToList(), Replayed: true);

        var campaign = await ActiveOrNotFound();
        if (command.Method == EmailMethod.Smtp && !campaign.AllowSmtpEmail)
            throw Conflict("This campaign does not send email from the server; use a mailto link.", "smtp_disabled");
        if (command.Method == EmailMethod.Mailto && !campaign.AllowMailtoLink)
            throw Conflict("This campaign does not offer mailto links.", "mailto_disabled");
        if (!campaign.AllowEmailEditing)
        {
            if (command.Subject is not null) throw DomainException.Invalid("subject", "this campaign does not allow editing the email.");
            if (command.Body is not null) throw DomainException.Invalid("body", "this campaign does not allow editing the email.");
        }
        var subject = campaign.AllowEmailEditing && !string.IsNullOrWhiteSpace(command.Subject) ? command.Subject.Trim() : campaign.EmailSubject;
        var body = campaign.AllowEmailEditing && !string.IsNullOrWhiteSpace(command.Body) ? command.Body : campaign.EmailBody;
        var postalCode = PostalCode.Normalize(command.PostalCode);
        if (command.PostalCode is not null && postalCode is null) throw DomainException.Invalid("postalCode", "must be a Canadian postal code.");
        var recipients = await CheckRecipients(campaign, wanted, postalCode);
        // Without collectUserInfo the campaign keeps nothing about who sent it.
        var senderName = campaign.CollectUserInfo ? Trimmed(command.SenderName) : null;
        var senderEmail = campaign.CollectUserInfo ? Trimmed(command.SenderEmail) : null;
        var storedPostalCode = campaign.CollectUserInfo ? postalCode : null;

        // The same key may arrive twice at once; when the other call commits first, ours is refused by the key's unique
        // index and is run again, finding the other's rows.
        var inserted = await DatabaseRetry.UniqueRace("campaign_emails_idempotency_key").RunAsync(async () =>
        {
            await using var connection = await db.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var existing = await EmailsOfKey(connection, transaction, command.IdempotencyKey);
            var count = 0;
            foreach (var recipient in recipients)
            {
                if (existing.ContainsKey(recipient.Email.ToLowerInvariant())) continue;
                Guid? outboxId = null;
                string? mailto = null;
                if (command.Method == EmailMethod.Smtp)
                    outboxId = await EmailOutbox.EnqueueAsync(connection, transaction,
                        InfluenceEmails.CampaignEmail(recipient, subject, body, senderName, senderEmail, storedPostalCode));
                else
                    mailto = InfluenceRules.MailtoUrl([recipient.Email], subject, body);
                await connection.Command("""
                    INSERT INTO campaign_emails (id, campaign_id, campaign_slug, user_id, user_email, user_name, user_postal_code,
                        recipient_email, recipient_name, recipient_title, recipient_level, email_method, subject, message, status,
                        sender_ip, sent_at, idempotency_key, outbox_message_id, mailto_url, updated_at)
                    VALUES (@id, @campaign, @slug, @user, @userEmail, @userName, @postal, @to, @toName, @toTitle, @toLevel, @method,
                        @subject, @message, @status, @ip, @now, @key, @outbox, @mailto, @now)
                    """, transaction,
                    ("id", Ids.New()), ("campaign", CampaignId), ("slug", campaign.Slug), ("user", command.UserId), ("userEmail", senderEmail),
                    ("userName", senderName), ("postal", storedPostalCode), ("to", recipient.Email), ("toName", recipient.Name),
                    ("toTitle", recipient.Title), ("toLevel", recipient.Level), ("method", command.Method), ("subject", subject),
                    ("message", body), ("status", command.Method == EmailMethod.Smtp ? CampaignEmailStatus.Queued : CampaignEmailStatus.Clicked),
                    ("ip", command.SenderIp), ("now", time.GetUtcNow()), ("key", command.IdempotencyKey), ("outbox", outboxId),
                    ("mailto", mailto)).ExecuteAsync();
                count++;
            }
            await transaction.CommitAsync();
            return count;
        });
        if (inserted > 0)
        {
            _counts = _counts with { EmailCount = _counts.EmailCount + inserted };
            Live.MarkChanged();
        }
        var rows = await EmailsOfKey(null, null, command.IdempotencyKey);
        return new SendEmailsResult(recipients.Select(r => rows[r.Email.ToLowerInvariant()]).ToList(), Replayed: inserted == 0);
    }

    /// <summary>Every recipient must be one of the postal code's representatives or an active custom recipient of the campaign.</summary>
    private async Task<List<EmailRecipient>> CheckRecipients(CampaignView campaign, List<EmailRecipient> wanted, string? postalCode)
    {
        var custom = campaign.AllowCustomRecipients
            ? _recipients.Where(r => r.IsActive).ToDictionary(r => r.RecipientEmail.ToLowerInvariant())
            : new Dictionary<string, CustomRecipientView>();
        Dictionary<string, RepresentativeView>? representatives = null;
        var checkedRecipients = new List<EmailRecipient>(wanted.Count);
        for (var i = 0; i < wanted.Count; i++)
        {
            var recipient = wanted[i];
            var key = recipient.Email.ToLowerInvariant();
            if (custom.TryGetValue(key, out var customRecipient))
            {
                checkedRecipients.Add(new EmailRecipient(customRecipient.RecipientEmail, customRecipient.RecipientName,
                    customRecipient.RecipientTitle ?? recipient.Title, recipient.Level));
                continue;
            }
            if (postalCode is null)
                throw DomainException.Invalid($"recipients[{i}].email", "is not a recipient of this campaign; give the postal code its representative serves.");
            if (representatives is null)
            {
                var lookup = await GrainFactory.GetGrain<IPostalCodeGrain>(postalCode).Lookup();
                representatives = new Dictionary<string, RepresentativeView>();
                foreach (var r in lookup.Representatives)
                    if (r.Email is { } email) representatives.TryAdd(email.ToLowerInvariant(), r);
            }
            if (!representatives.TryGetValue(key, out var representative))
                throw DomainException.Invalid($"recipients[{i}].email", $"is not a representative of {postalCode} nor a recipient of this campaign.");
            checkedRecipients.Add(new EmailRecipient(representative.Email!, representative.Name,
                representative.ElectedOffice ?? recipient.Title, representative.Level ?? recipient.Level));
        }
        return checkedRecipients;
    }

    private async Task<Dictionary<string, SentEmail>> EmailsOfKey(NpgsqlConnection? connection, NpgsqlTransaction? transaction, string key)
    {
        const string sql = """
            SELECT id, recipient_email, status, mailto_url FROM campaign_emails
            WHERE campaign_id = @campaign AND idempotency_key = @key
            """;
        var command = connection is null
            ? db.Command(sql, ("campaign", CampaignId), ("key", key))
            : connection.Command(sql, transaction, ("campaign", CampaignId), ("key", key));
        var rows = await command.ListAsync(r => new SentEmail(r.Get<Guid>("id"), r.Get<string>("recipient_email"),
            r.Get<CampaignEmailStatus>("status"), r.GetOrNull<string>("mailto_url")));
        return rows.GroupBy(r => r.RecipientEmail.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.First());
    }

    // -----------------------------------------------------------------------------------------------------------
    // Calls and responses
    // -----------------------------------------------------------------------------------------------------------

    public async Task<CallView> RecordCall(RecordCallCommand command)
    {
        var campaign = await ActiveOrNotFound();
        var call = await db.Command("""
            INSERT INTO calls (id, representative_name, representative_title, phone_number, office_type, caller_name, caller_email,
                               postal_code, campaign_id, campaign_slug, caller_ip, called_at)
            VALUES (@id, @name, @title, @phone, @office, @callerName, @callerEmail, @postal, @campaign, @slug, @ip, @now)
            RETURNING id, called_at
            """,
            ("id", Ids.New()), ("name", command.RepresentativeName.Trim()), ("title", Trimmed(command.RepresentativeTitle)),
            ("phone", command.PhoneNumber.Trim()), ("office", Trimmed(command.OfficeType)),
            ("callerName", campaign.CollectUserInfo ? Trimmed(command.CallerName) : null),
            ("callerEmail", campaign.CollectUserInfo ? Trimmed(command.CallerEmail) : null),
            ("postal", campaign.CollectUserInfo ? PostalCode.Normalize(command.PostalCode) : null), ("campaign", CampaignId),
            ("slug", campaign.Slug), ("ip", command.CallerIp), ("now", time.GetUtcNow()))
            .FirstOrDefaultAsync(r => (Id: r.Get<Guid>("id"), At: r.Get<DateTimeOffset>("called_at")));
        _counts = _counts with { CallCount = _counts.CallCount + 1 };
        Live.MarkChanged();
        return new CallView(call.Id, CampaignId, command.RepresentativeName.Trim(), Trimmed(command.RepresentativeTitle), command.PhoneNumber.Trim(),
            Trimmed(command.OfficeType), call.At);
    }

    public async Task<SubmittedResponse> SubmitResponse(SubmitResponseCommand command)
    {
        var campaign = await ActiveOrNotFound();
        if (!campaign.ShowResponseWall) throw Conflict("This campaign has no response wall.", "wall_disabled");
        var now = time.GetUtcNow();
        var representativeEmail = Trimmed(command.RepresentativeEmail);
        var verifyToken = representativeEmail is null ? null : NewToken();
        var reportToken = representativeEmail is null ? null : NewToken();
        var expires = now + TokenLifetime;
        var id = Ids.New();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.Command("""
            INSERT INTO representative_responses (id, campaign_id, campaign_slug, representative_name, representative_title,
                representative_level, representative_email, response_type, response_text, user_comment, submitted_by_user_id,
                submitted_by_name, submitted_by_email, is_anonymous, status, verification_token, verification_sent_at,
                verification_expires_at, report_token, submitted_ip, created_at, updated_at)
            VALUES (@id, @campaign, @slug, @name, @title, @level, @email, @type, @text, @comment, @user, @byName, @byEmail, @anonymous,
                'PENDING', @verify, @sentAt, @expires, @report, @ip, @now, @now)
            """, transaction,
            ("id", id), ("campaign", CampaignId), ("slug", campaign.Slug), ("name", command.RepresentativeName.Trim()),
            ("title", Trimmed(command.RepresentativeTitle)), ("level", command.RepresentativeLevel), ("email", representativeEmail),
            ("type", command.ResponseType), ("text", command.ResponseText.Trim()), ("comment", Trimmed(command.UserComment)),
            ("user", command.UserId), ("byName", Trimmed(command.SubmittedByName)), ("byEmail", Trimmed(command.SubmittedByEmail)),
            ("anonymous", command.IsAnonymous), ("verify", verifyToken), ("sentAt", verifyToken is null ? null : now),
            ("expires", verifyToken is null ? null : expires), ("report", reportToken), ("ip", command.SubmittedIp), ("now", now))
            .ExecuteAsync();
        if (representativeEmail is not null)
        {
            var linkBase = command.LinkBase.TrimEnd('/');
            await EmailOutbox.EnqueueAsync(connection, transaction, InfluenceEmails.ResponseVerification(representativeEmail,
                command.RepresentativeName.Trim(), campaign.Title, command.ResponseText.Trim(),
                $"{linkBase}/api/public/responses/verify/{verifyToken}", $"{linkBase}/api/public/responses/report/{reportToken}", expires));
        }
        await transaction.CommitAsync();
        _counts = _counts with { ResponseCount = _counts.ResponseCount + 1 };
        Live.MarkChanged();
        return new SubmittedResponse(id, campaign.Slug, ResponseStatus.Pending, representativeEmail is not null, now);
    }

    public Task UpvoteAdded()
    {
        _counts = _counts with { UpvoteCount = _counts.UpvoteCount + 1 };
        return Task.CompletedTask;
    }

    // -----------------------------------------------------------------------------------------------------------
    // Custom recipients
    // -----------------------------------------------------------------------------------------------------------

    public async Task<IReadOnlyList<CustomRecipientView>> ListCustomRecipients()
    {
        EnsureCustomRecipients(await Current());
        return await db.Command($"SELECT {InfluenceRows.CustomRecipientColumns} FROM custom_recipients WHERE campaign_id = @id ORDER BY created_at, id",
            ("id", CampaignId)).ListAsync(InfluenceRows.ReadCustomRecipient);
    }

    public async Task<CustomRecipientView> AddCustomRecipient(CustomRecipientFields fields)
    {
        var campaign = await Current();
        EnsureCustomRecipients(campaign);
        if (string.IsNullOrWhiteSpace(fields.RecipientName)) throw DomainException.Invalid("recipientName", "is required.");
        if (string.IsNullOrWhiteSpace(fields.RecipientEmail)) throw DomainException.Invalid("recipientEmail", "is required.");
        var email = fields.RecipientEmail.Trim();
        if (_recipients.Any(r => r.RecipientEmail.Equals(email, StringComparison.OrdinalIgnoreCase)))
            throw Conflict("This campaign already has a custom recipient with this email.", "duplicate");
        var now = time.GetUtcNow();
        var created = await db.Command($"""
            INSERT INTO custom_recipients (id, campaign_id, campaign_slug, recipient_name, recipient_email, recipient_title,
                recipient_organization, notes, is_active, created_at, updated_at)
            VALUES (@id, @campaign, @slug, @name, @email, @title, @org, @notes, @active, @now, @now)
            RETURNING {InfluenceRows.CustomRecipientColumns}
            """, ("id", Ids.New()), ("campaign", CampaignId), ("slug", campaign.Slug), ("name", fields.RecipientName.Trim()), ("email", email),
            ("title", Trimmed(fields.RecipientTitle)), ("org", Trimmed(fields.RecipientOrganization)), ("notes", Trimmed(fields.Notes)),
            ("active", fields.IsActive ?? true), ("now", now)).FirstOrDefaultAsync(InfluenceRows.ReadCustomRecipient);
        _recipients.Add(created!);
        return created!;
    }

    public async Task<CustomRecipientView> UpdateCustomRecipient(Guid recipientId, CustomRecipientFields fields)
    {
        EnsureCustomRecipients(await Current());
        var current = _recipients.FirstOrDefault(r => r.Id == recipientId) ?? throw DomainException.NotFound("The custom recipient");
        if (fields.RecipientName is not null && string.IsNullOrWhiteSpace(fields.RecipientName))
            throw DomainException.Invalid("recipientName", "must not be empty.");
        var email = fields.RecipientEmail?.Trim() ?? current.RecipientEmail;
        if (_recipients.Any(r => r.Id != recipientId && r.RecipientEmail.Equals(email, StringComparison.OrdinalIgnoreCase)))
            throw Conflict("This campaign already has a custom recipient with this email.", "duplicate");
        var updated = await db.Command($"""
            UPDATE custom_recipients SET recipient_name = @name, recipient_email = @email, recipient_title = @title,
                recipient_organization = @org, notes = @notes, is_active = @active, updated_at = @now
            WHERE id = @id AND campaign_id = @campaign
            RETURNING {InfluenceRows.CustomRecipientColumns}
            """, ("name", fields.RecipientName?.Trim() ?? current.RecipientName), ("email", email),
            ("title", fields.RecipientTitle is null ? current.RecipientTitle : Trimmed(fields.RecipientTitle)),
            ("org", fields.RecipientOrganization is null ? current.RecipientOrganization : Trimmed(fields.RecipientOrganization)),
            ("notes", fields.Notes is null ? current.Notes : Trimmed(fields.Notes)), ("active", fields.IsActive ?? current.IsActive),
            ("now", time.GetUtcNow()), ("id", recipientId), ("campaign", CampaignId)).FirstOrDefaultAsync(InfluenceRows.ReadCustomRecipient)
            ?? throw DomainException.NotFound("The custom recipient");
        _recipients[_recipients.IndexOf(current)] = updated;
        return updated;
    }

    public async Task DeleteCustomRecipient(Guid recipientId)
    {
        EnsureCustomRecipients(await Current());
        var deleted = await db.Command("DELETE FROM custom_recipients WHERE id = @id AND campaign_id = @campaign",
            ("id", recipientId), ("campaign", CampaignId)).ExecuteAsync();
        if (deleted == 0) throw DomainException.NotFound("The custom recipient");
        _recipients.RemoveAll(r => r.Id == recipientId);
    }

    private static void EnsureCustomRecipients(CampaignView campaign)
    {
        if (!campaign.AllowCustomRecipients)
            throw Conflict("This campaign does not allow custom recipients; turn on allowCustomRecipients first.", "custom_recipients_disabled");
    }

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
        if (campaign.Status != CampaignStatus.Active) throw DomainException.NotFound("The campaign");
        return campaign.WithCounts(_counts);
    }

    private async Task Reload(CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var loaded = await connection.Command($"SELECT {InfluenceRows.CampaignColumns}, {InfluenceRows.CountColumns} FROM campaigns c WHERE id = @id",
                null, ("id", CampaignId))
            .FirstOrDefaultAsync(r => (Campaign: InfluenceRows.ReadCampaign(r, withCounts: true), Version: r.Get<int>("version")), cancellationToken);
        _campaign = loaded.Campaign;
        _version = loaded.Version;
        if (_campaign is null) return;
        _counts = new CampaignCounts(_campaign.EmailCount, _campaign.CallCount, _campaign.ResponseCount, _campaign.UpvoteCount);
        _recipients = await connection.Command(
                $"SELECT {InfluenceRows.CustomRecipientColumns} FROM custom_recipients WHERE campaign_id = @id ORDER BY created_at, id", null,
                ("id", CampaignId))
            .ListAsync(InfluenceRows.ReadCustomRecipient, cancellationToken);
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

    private void PublishNow()
    {
        if (_campaign is not { } c) return;
        live.Publish(InfluenceTopics.Campaign(c.Id), "campaignCounts", new CampaignCountsEvent(c.Id,
            c.ShowEmailCount ? _counts.EmailCount : null, c.ShowCallCount ? _counts.CallCount : null,
            c.ShowResponseWall ? _counts.ResponseCount : null));
    }

    private static async Task<string> NextFreeSlug(NpgsqlConnection connection, string baseSlug)
    {
        var taken = await connection.Command("SELECT slug FROM campaigns WHERE slug = @base OR slug LIKE @prefix", null,
            ("base", baseSlug), ("prefix", baseSlug.Replace("_", "\\_").Replace("%", "\\%") + "-%")).ListAsync(r => r.Get<string>("slug"));
        var highest = 1;
        foreach (var slug in taken)
            if (slug.Length > baseSlug.Length + 1 && int.TryParse(slug.AsSpan(baseSlug.Length + 1), out var n) && n > highest) highest = n;
        return $"{baseSlug}-{highest + 1}";
    }

    private static CampaignFields Clean(CampaignFields f) => new(
        f.Title.Trim(), Trimmed(f.Description), f.EmailSubject.Trim(), f.EmailBody, Trimmed(f.CallToAction), Trimmed(f.CoverPhoto),
        f.TargetGovernmentLevels.Distinct().ToList());

    private static void Validate(CampaignFields f)
    {
        if (f.Title.Length == 0) throw DomainException.Invalid("title", "is required.");
        if (f.Title.Length > InfluenceRules.TitleMaxLength) throw DomainException.Invalid("title", $"must be at most {InfluenceRules.TitleMaxLength} characters.");
        if (f.EmailSubject.Length == 0) throw DomainException.Invalid("emailSubject", "is required.");
        if (string.IsNullOrWhiteSpace(f.EmailBody)) throw DomainException.Invalid("emailBody", "is required.");
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static DomainException Conflict(string message, string reason) =>
        DomainException.Conflict(message, new Dictionary<string, string> { ["reason"] = reason });
}
