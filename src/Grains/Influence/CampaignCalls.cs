using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Influence;

/// <summary>A supporter's call to a representative, recorded against an ACTIVE campaign; who called is kept only where the campaign collects it.</summary>
public static class CampaignCalls
{
    public static async Task<CallView> Record(NpgsqlDataSource db, CampaignView campaign, RecordCallCommand command, DateTimeOffset now)
    {
        var call = await db.Command("""
            INSERT INTO calls (id, representative_name, representative_title, phone_number, office_type, caller_name, caller_email,
                               postal_code, campaign_id, campaign_slug, caller_ip, called_at)
            VALUES (@id, @name, @title, @phone, @office, @callerName, @callerEmail, @postal, @campaign, @slug, @ip, @now)
            RETURNING id, called_at
            """,
            ("id", Ids.New()), ("name", command.RepresentativeName.Trim()), ("title", CampaignRules.Trimmed(command.RepresentativeTitle)),
            ("phone", command.PhoneNumber.Trim()), ("office", CampaignRules.Trimmed(command.OfficeType)),
            ("callerName", CampaignRules.Collected(campaign, command.CallerName)),
            ("callerEmail", CampaignRules.Collected(campaign, command.CallerEmail)),
            ("postal", campaign.CollectUserInfo ? PostalCode.Normalize(command.PostalCode) : null), ("campaign", campaign.Id),
            ("slug", campaign.Slug), ("ip", command.CallerIp), ("now", now))
            .FirstOrDefaultAsync(r => (Id: r.Get<Guid>("id"), At: r.Get<DateTimeOffset>("called_at")));
        return new CallView(call.Id, campaign.Id, command.RepresentativeName.Trim(), CampaignRules.Trimmed(command.RepresentativeTitle),
            command.PhoneNumber.Trim(), CampaignRules.Trimmed(command.OfficeType), call.At);
    }
}
