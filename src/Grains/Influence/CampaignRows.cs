using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Influence;

/// <summary>
/// The SQL of a campaign's own row, written by its grain only: the insert that finds a free slug, the update and
/// delete under the row's <c>version</c>, and the load of the row with its counters and custom recipients.
/// </summary>
public static class CampaignRows
{
    private const int MaxSlugAttempts = 50;

    /// <summary>What a campaign's grain loads on activation.</summary>
    public sealed record Loaded(CampaignView Campaign, int Version, List<CustomRecipientView> Recipients);

    /// <summary>
    /// Inserts the campaign as a DRAFT under the slug made from its title. When the unique constraint refuses the slug
    /// (another campaign of that title, possibly created at the same moment on another silo) the next free <c>-n</c>
    /// suffix is tried: the database, not a read-then-write, decides who gets which slug. Null when the id exists already.
    /// </summary>
    public static async Task<CampaignView?> InsertWithFreeSlug(NpgsqlDataSource db, Guid id, CampaignFields fields, CampaignFlags flags,
        CampaignActor actor, DateTimeOffset now)
    {
        var baseSlug = InfluenceRules.Slugify(fields.Title);
        await using var connection = await db.OpenConnectionAsync();
        for (var attempt = 0; attempt < MaxSlugAttempts; attempt++)
        {
            var slug = attempt == 0 ? baseSlug : await NextFreeSlug(connection, baseSlug);
            try
            {
                return await connection.Command($"""
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
                    ("id", id), ("slug", slug), ("title", fields.Title), ("description", fields.Description),
                    ("subject", fields.EmailSubject), ("body", fields.EmailBody), ("cta", fields.CallToAction), ("cover", fields.CoverPhoto),
                    ("levels", fields.TargetGovernmentLevels.ToArray()), ("smtp", flags.AllowSmtpEmail), ("mailto", flags.AllowMailtoLink),
                    ("collect", flags.CollectUserInfo), ("showEmails", flags.ShowEmailCount), ("showCalls", flags.ShowCallCount),
                    ("editing", flags.AllowEmailEditing), ("custom", flags.AllowCustomRecipients), ("wall", flags.ShowResponseWall),
                    ("highlight", flags.HighlightCampaign), ("review", !actor.IsAdmin), ("user", actor.UserId), ("now", now))
                    .FirstOrDefaultAsync(r => InfluenceRows.ReadCampaign(r, withCounts: false));
            }
            catch (PostgresException ex) when (ex.IsUniqueViolation("campaigns_slug_key"))
            {
                // Another campaign of the same title took this slug a moment ago: take the next free one.
            }
        }
        throw DomainException.Conflict("Could not find a free slug for this title; try again.");
    }

    /// <summary>Writes the campaign as <paramref name="next"/> if its row is still at <paramref name="version"/>; false when it is not.</summary>
    public static async Task<bool> Update(NpgsqlDataSource db, CampaignView next, int version) =>
        await db.Command("""
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
            ("review", next.SubmittedForReview), ("now", next.UpdatedAt), ("id", next.Id), ("version", version)).ExecuteAsync() > 0;

    /// <summary>Deletes the campaign if its row is still at <paramref name="version"/>; false when it is not.</summary>
    public static async Task<bool> Delete(NpgsqlDataSource db, Guid id, int version) =>
        await db.Command("DELETE FROM campaigns WHERE id = @id AND version = @version", ("id", id), ("version", version)).ExecuteAsync() > 0;

    /// <summary>The row with its counters counted from the rows, and its custom recipients; null when there is no such campaign.</summary>
    public static async Task<Loaded?> Load(NpgsqlDataSource db, Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var loaded = await connection.Command($"SELECT {InfluenceRows.CampaignColumns}, {InfluenceRows.CountColumns} FROM campaigns c WHERE id = @id",
                null, ("id", id))
            .FirstOrDefaultAsync(r => (Campaign: InfluenceRows.ReadCampaign(r, withCounts: true), Version: r.Get<int>("version")), cancellationToken);
        if (loaded.Campaign is null) return null;
        var recipients = await CustomRecipients.Load(connection, id, cancellationToken);
        return new Loaded(loaded.Campaign, loaded.Version, recipients);
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
}
