using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Influence;

/// <summary>
/// A supporter's send, exactly once per <c>(idempotencyKey, recipient)</c>: the campaign's switches decide the method
/// and whether the supporter's subject and body are taken; every recipient must be one of the postal code's
/// representatives or an active custom recipient; then one <c>campaign_emails</c> row per recipient not yet sent under
/// the key is inserted with its outbox message in one transaction. A unique index on
/// <c>(campaign_id, idempotency_key, lower(recipient_email))</c> makes a replay, sequential or simultaneous, on any silo,
/// find the first call's rows and insert nothing.
/// </summary>
public sealed class CampaignSends(NpgsqlDataSource db, TimeProvider time, IGrainFactory grains, Guid campaignId)
{
    /// <summary>What a send wrote: the answer, and how many rows are new (the campaign's email count grows by that).</summary>
    public sealed record Outcome(SendEmailsResult Result, int Inserted);

    /// <summary>The recipients named once each (by email, case-insensitive), trimmed.</summary>
    public static List<EmailRecipient> Distinct(SendEmailsCommand command)
    {
        var wanted = command.Recipients
            .GroupBy(r => r.Email.Trim().ToLowerInvariant())
            .Select(g => g.First() with { Email = g.First().Email.Trim() })
            .ToList();
        if (wanted.Count == 0) throw DomainException.Invalid("recipients", "name at least one recipient.");
        return wanted;
    }

    /// <summary>A replay answers what the first call accepted, whatever has changed since; null when the key has not sent to all of them.</summary>
    public async Task<SendEmailsResult?> Replay(string idempotencyKey, List<EmailRecipient> wanted)
    {
        var earlier = await EmailsOfKey(null, null, idempotencyKey);
        return wanted.All(w => earlier.ContainsKey(w.Email.ToLowerInvariant()))
            ? new SendEmailsResult(wanted.Select(w => earlier[w.Email.ToLowerInvariant()]).ToList(), Replayed: true)
            : null;
    }

    /// <summary>Decides the send against the (ACTIVE) campaign and its sendable custom recipients, then writes it.</summary>
    public async Task<Outcome> Accept(CampaignView campaign, IReadOnlyDictionary<string, CustomRecipientView> custom, SendEmailsCommand command,
        List<EmailRecipient> wanted)
    {
        if (command.Method == EmailMethod.Smtp && !campaign.AllowSmtpEmail)
            throw CampaignRules.Conflict("This campaign does not send email from the server; use a mailto link.", "smtp_disabled");
        if (command.Method == EmailMethod.Mailto && !campaign.AllowMailtoLink)
            throw CampaignRules.Conflict("This campaign does not offer mailto links.", "mailto_disabled");
        if (!campaign.AllowEmailEditing)
        {
            if (command.Subject is not null) throw DomainException.Invalid("subject", "this campaign does not allow editing the email.");
            if (command.Body is not null) throw DomainException.Invalid("body", "this campaign does not allow editing the email.");
        }
        var subject = campaign.AllowEmailEditing && !string.IsNullOrWhiteSpace(command.Subject) ? command.Subject.Trim() : campaign.EmailSubject;
        var body = campaign.AllowEmailEditing && !string.IsNullOrWhiteSpace(command.Body) ? command.Body : campaign.EmailBody;
        var postalCode = PostalCode.Normalize(command.PostalCode);
        if (command.PostalCode is not null && postalCode is null) throw DomainException.Invalid("postalCode", "must be a Canadian postal code.");
        var recipients = await CheckRecipients(custom, wanted, postalCode);
        // Without collectUserInfo the campaign keeps nothing about who sent it.
        var sender = new Sender(CampaignRules.Collected(campaign, command.SenderName), CampaignRules.Collected(campaign, command.SenderEmail),
            campaign.CollectUserInfo ? postalCode : null);
        var inserted = await Write(campaign, command, recipients, subject, body, sender);
        var rows = await EmailsOfKey(null, null, command.IdempotencyKey);
        return new Outcome(new SendEmailsResult(recipients.Select(r => rows[r.Email.ToLowerInvariant()]).ToList(), Replayed: inserted == 0), inserted);
    }

    private sealed record Sender(string? Name, string? Email, string? PostalCode);

    /// <summary>Every recipient must be one of the postal code's representatives or an active custom recipient of the campaign.</summary>
    private async Task<List<EmailRecipient>> CheckRecipients(IReadOnlyDictionary<string, CustomRecipientView> custom, List<EmailRecipient> wanted,
        string? postalCode)
    {
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
                var lookup = await grains.GetGrain<IPostalCodeGrain>(postalCode).Lookup();
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

    /// <summary>Inserts the rows of the recipients not yet sent under the key, each with its outbox message, in one transaction.</summary>
    private async Task<int> Write(CampaignView campaign, SendEmailsCommand command, List<EmailRecipient> recipients, string subject, string body,
        Sender sender)
    {
        // The same key may arrive twice at once; when the other call commits first, ours is refused by the key's unique
        // index and is run again, finding the other's rows.
        return await DatabaseRetry.UniqueRace("campaign_emails_idempotency_key").RunAsync(async () =>
        {
            await using var connection = await db.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            {
                var existing = await EmailsOfKey(connection, transaction, command.IdempotencyKey);
                var inserted = 0;
                foreach (var recipient in recipients)
                {
                    if (existing.ContainsKey(recipient.Email.ToLowerInvariant())) continue;
                    Guid? outboxId = null;
                    string? mailto = null;
                    if (command.Method == EmailMethod.Smtp)
                        outboxId = await EmailOutbox.EnqueueAsync(connection, transaction,
                            InfluenceEmails.CampaignEmail(recipient, subject, body, sender.Name, sender.Email, sender.PostalCode));
                    else
                        mailto = InfluenceRules.MailtoUrl([recipient.Email], subject, body);
                    await connection.Command("""
                        INSERT INTO campaign_emails (id, campaign_id, campaign_slug, user_id, user_email, user_name, user_postal_code,
                            recipient_email, recipient_name, recipient_title, recipient_level, email_method, subject, message, status,
                            sender_ip, sent_at, idempotency_key, outbox_message_id, mailto_url, updated_at)
                        VALUES (@id, @campaign, @slug, @user, @userEmail, @userName, @postal, @to, @toName, @toTitle, @toLevel, @method,
                            @subject, @message, @status, @ip, @now, @key, @outbox, @mailto, @now)
                        """, transaction,
                        ("id", Ids.New()), ("campaign", campaignId), ("slug", campaign.Slug), ("user", command.UserId), ("userEmail", sender.Email),
                        ("userName", sender.Name), ("postal", sender.PostalCode), ("to", recipient.Email), ("toName", recipient.Name),
                        ("toTitle", recipient.Title), ("toLevel", recipient.Level), ("method", command.Method), ("subject", subject),
                        ("message", body), ("status", command.Method == EmailMethod.Smtp ? CampaignEmailStatus.Queued : CampaignEmailStatus.Clicked),
                        ("ip", command.SenderIp), ("now", time.GetUtcNow()), ("key", command.IdempotencyKey), ("outbox", outboxId),
                        ("mailto", mailto)).ExecuteAsync();
                    inserted++;
                }
                await transaction.CommitAsync();
                return inserted;
            }
        });
    }

    private async Task<Dictionary<string, SentEmail>> EmailsOfKey(NpgsqlConnection? connection, NpgsqlTransaction? transaction, string key)
    {
        const string sql = """
            SELECT id, recipient_email, status, mailto_url FROM campaign_emails
            WHERE campaign_id = @campaign AND idempotency_key = @key
            """;
        var command = connection is null
            ? db.Command(sql, ("campaign", campaignId), ("key", key))
            : connection.Command(sql, transaction, ("campaign", campaignId), ("key", key));
        var rows = await command.ListAsync(r => new SentEmail(r.Get<Guid>("id"), r.Get<string>("recipient_email"),
            r.Get<CampaignEmailStatus>("status"), r.GetOrNull<string>("mailto_url")));
        return rows.GroupBy(r => r.RecipientEmail.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.First());
    }
}
