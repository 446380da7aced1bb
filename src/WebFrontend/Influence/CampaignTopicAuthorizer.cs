using System.Security.Claims;
using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Influence;

/// <summary>
/// <c>campaign:{id}</c>: anyone may watch an ACTIVE campaign's counts (the event leaves out the counts its flags hide);
/// influence admins may watch any campaign.
/// </summary>
public sealed class CampaignTopicAuthorizer(IClusterClient cluster) : ILiveTopicAuthorizer
{
    public bool Handles(string topic) => topic.StartsWith(InfluenceTopics.CampaignPrefix, StringComparison.Ordinal);

    public async ValueTask<bool> MaySubscribe(ClaimsPrincipal user, string topic, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(topic.AsSpan(InfluenceTopics.CampaignPrefix.Length), out var campaignId) || topic != InfluenceTopics.Campaign(campaignId))
            return false;
        if (AccessRules.CanAdminister(user, AdminApp.Influence)) return true;
        try
        {
            await cluster.GetGrain<ICampaignGrain>(campaignId).GetPublic().WaitAsync(cancellationToken);
            return true;
        }
        catch (DomainException)
        {
            return false;
        }
    }
}
