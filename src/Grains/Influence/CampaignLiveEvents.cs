using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Platform;

namespace ChangemakerLite.Grains.Influence;

/// <summary>The live event of a campaign: <c>campaignCounts</c> on <c>campaign:{id}</c>, with only the counts its switches show.</summary>
public static class CampaignLiveEvents
{
    public static void CampaignCounts(this LivePublisher live, CampaignView c, CampaignCounts counts) =>
        live.Publish(InfluenceTopics.Campaign(c.Id), "campaignCounts", new CampaignCountsEvent(c.Id,
            c.ShowEmailCount ? counts.EmailCount : null, c.ShowCallCount ? counts.CallCount : null,
            c.ShowResponseWall ? counts.ResponseCount : null));
}
