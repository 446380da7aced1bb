using System.Security.Cryptography;
using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Influence;

/// <summary>
/// A submission to a campaign's response wall: only where the campaign shows one, stored PENDING until moderated.
/// A representative named with an email is sent, in the same transaction, a verify and a report link: random 256-bit
/// tokens, single use, valid for 30 days (<see cref="ResponseGrain.UseToken"/> spends them).
/// </summary>
public static class ResponseSubmissions
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(30);

    public static void EnsureWall(CampaignView campaign)
    {
        if (!campaign.ShowResponseWall) throw CampaignRules.Conflict("This campaign has no response wall.", "wall_disabled");
    }

    public static async Task<SubmittedResponse> Submit(NpgsqlDataSource db, CampaignView campaign, SubmitResponseCommand command, DateTimeOffset now)
    {
        EnsureWall(campaign);
        var representativeEmail = CampaignRules.Trimmed(command.RepresentativeEmail);
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
            ("id", id), ("campaign", campaign.Id), ("slug", campaign.Slug), ("name", command.RepresentativeName.Trim()),
            ("title", CampaignRules.Trimmed(command.RepresentativeTitle)), ("level", command.RepresentativeLevel), ("email", representativeEmail),
            ("type", command.ResponseType), ("text", command.ResponseText.Trim()), ("comment", CampaignRules.Trimmed(command.UserComment)),
            ("user", command.UserId), ("byName", CampaignRules.Trimmed(command.SubmittedByName)),
            ("byEmail", CampaignRules.Trimmed(command.SubmittedByEmail)), ("anonymous", command.IsAnonymous), ("verify", verifyToken),
            ("sentAt", verifyToken is null ? null : now), ("expires", verifyToken is null ? null : expires), ("report", reportToken),
            ("ip", command.SubmittedIp), ("now", now))
            .ExecuteAsync();
        if (representativeEmail is not null)
        {
            var linkBase = command.LinkBase.TrimEnd('/');
            await EmailOutbox.EnqueueAsync(connection, transaction, InfluenceEmails.ResponseVerification(representativeEmail,
                command.RepresentativeName.Trim(), campaign.Title, command.ResponseText.Trim(),
                $"{linkBase}/api/public/responses/verify/{verifyToken}", $"{linkBase}/api/public/responses/report/{reportToken}", expires));
        }
        await transaction.CommitAsync();
        return new SubmittedResponse(id, campaign.Slug, ResponseStatus.Pending, representativeEmail is not null, now);
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
