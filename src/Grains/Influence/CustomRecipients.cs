using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Influence;

/// <summary>
/// One campaign's custom recipients, kept in memory by the campaign's grain: managed only while the campaign has
/// <c>allowCustomRecipients</c>, one recipient per email (case-insensitive), and the active ones may be sent to.
/// </summary>
public sealed class CustomRecipients(NpgsqlDataSource db, TimeProvider time, Guid campaignId)
{
    private List<CustomRecipientView> _recipients = [];

    /// <summary>The active recipients a send may name, by lower-case email; none while the campaign does not allow them.</summary>
    public Dictionary<string, CustomRecipientView> SendableByEmail(CampaignView campaign) => campaign.AllowCustomRecipients
        ? _recipients.Where(r => r.IsActive).ToDictionary(r => r.RecipientEmail.ToLowerInvariant())
        : new Dictionary<string, CustomRecipientView>();

    public void Replace(List<CustomRecipientView> recipients) => _recipients = recipients;

    public static Task<List<CustomRecipientView>> Load(NpgsqlConnection connection, Guid campaignId, CancellationToken cancellationToken = default) =>
        connection.Command($"SELECT {InfluenceRows.CustomRecipientColumns} FROM custom_recipients WHERE campaign_id = @id ORDER BY created_at, id",
                null, ("id", campaignId))
            .ListAsync(InfluenceRows.ReadCustomRecipient, cancellationToken);

    public async Task<IReadOnlyList<CustomRecipientView>> List(CampaignView campaign)
    {
        EnsureAllowed(campaign);
        return await db.Command($"SELECT {InfluenceRows.CustomRecipientColumns} FROM custom_recipients WHERE campaign_id = @id ORDER BY created_at, id",
            ("id", campaignId)).ListAsync(InfluenceRows.ReadCustomRecipient);
    }

    public async Task<CustomRecipientView> Add(CampaignView campaign, CustomRecipientFields fields)
    {
        EnsureAllowed(campaign);
        if (string.IsNullOrWhiteSpace(fields.RecipientName)) throw DomainException.Invalid("recipientName", "is required.");
        if (string.IsNullOrWhiteSpace(fields.RecipientEmail)) throw DomainException.Invalid("recipientEmail", "is required.");
        var email = fields.RecipientEmail.Trim();
        EnsureUnique(email, except: null);
        var now = time.GetUtcNow();
        var created = await db.Command($"""
            INSERT INTO custom_recipients (id, campaign_id, campaign_slug, recipient_name, recipient_email, recipient_title,
                recipient_organization, notes, is_active, created_at, updated_at)
            VALUES (@id, @campaign, @slug, @name, @email, @title, @org, @notes, @active, @now, @now)
            RETURNING {InfluenceRows.CustomRecipientColumns}
            """, ("id", Ids.New()), ("campaign", campaignId), ("slug", campaign.Slug), ("name", fields.RecipientName.Trim()), ("email", email),
            ("title", CampaignRules.Trimmed(fields.RecipientTitle)), ("org", CampaignRules.Trimmed(fields.RecipientOrganization)),
            ("notes", CampaignRules.Trimmed(fields.Notes)), ("active", fields.IsActive ?? true), ("now", now))
            .FirstOrDefaultAsync(InfluenceRows.ReadCustomRecipient);
        _recipients.Add(created!);
        return created!;
    }

    public async Task<CustomRecipientView> Update(CampaignView campaign, Guid recipientId, CustomRecipientFields fields)
    {
        EnsureAllowed(campaign);
        var current = _recipients.FirstOrDefault(r => r.Id == recipientId) ?? throw DomainException.NotFound("The custom recipient");
        if (fields.RecipientName is not null && string.IsNullOrWhiteSpace(fields.RecipientName))
            throw DomainException.Invalid("recipientName", "must not be empty.");
        var email = fields.RecipientEmail?.Trim() ?? current.RecipientEmail;
        EnsureUnique(email, except: recipientId);
        var updated = await db.Command($"""
            UPDATE custom_recipients SET recipient_name = @name, recipient_email = @email, recipient_title = @title,
                recipient_organization = @org, notes = @notes, is_active = @active, updated_at = @now
            WHERE id = @id AND campaign_id = @campaign
            RETURNING {InfluenceRows.CustomRecipientColumns}
            """, ("name", fields.RecipientName?.Trim() ?? current.RecipientName), ("email", email),
            ("title", fields.RecipientTitle is null ? current.RecipientTitle : CampaignRules.Trimmed(fields.RecipientTitle)),
            ("org", fields.RecipientOrganization is null ? current.RecipientOrganization : CampaignRules.Trimmed(fields.RecipientOrganization)),
            ("notes", fields.Notes is null ? current.Notes : CampaignRules.Trimmed(fields.Notes)), ("active", fields.IsActive ?? current.IsActive),
            ("now", time.GetUtcNow()), ("id", recipientId), ("campaign", campaignId)).FirstOrDefaultAsync(InfluenceRows.ReadCustomRecipient)
            ?? throw DomainException.NotFound("The custom recipient");
        _recipients[_recipients.IndexOf(current)] = updated;
        return updated;
    }

    public async Task Delete(CampaignView campaign, Guid recipientId)
    {
        EnsureAllowed(campaign);
        var deleted = await db.Command("DELETE FROM custom_recipients WHERE id = @id AND campaign_id = @campaign",
            ("id", recipientId), ("campaign", campaignId)).ExecuteAsync();
        if (deleted == 0) throw DomainException.NotFound("The custom recipient");
        _recipients.RemoveAll(r => r.Id == recipientId);
    }

    private static void EnsureAllowed(CampaignView campaign)
    {
        if (!campaign.AllowCustomRecipients)
            throw CampaignRules.Conflict("This campaign does not allow custom recipients; turn on allowCustomRecipients first.",
                "custom_recipients_disabled");
    }

    private void EnsureUnique(string email, Guid? except)
    {
        if (_recipients.Any(r => r.Id != except && r.RecipientEmail.Equals(email, StringComparison.OrdinalIgnoreCase)))
            throw CampaignRules.Conflict("This campaign already has a custom recipient with this email.", "duplicate");
    }
}
