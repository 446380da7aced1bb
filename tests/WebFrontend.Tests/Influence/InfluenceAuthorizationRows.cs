using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Influence;

/// <summary>The influence endpoints (docs/api/influence.md) and who gets past their gates.</summary>
public sealed class InfluenceAuthorizationRows : IAuthorizationRows
{
    public IEnumerable<EndpointAccess> Rows =>
    [
        // Non-admins list and read their own campaigns only (decided past the gate).
        new("GET", "/api/campaigns", false, EndpointAccess.Everyone),
        new("POST", "/api/campaigns", false, EndpointAccess.NonTemp),
        new("GET", "/api/campaigns/{id}", false, EndpointAccess.Everyone),
        new("PATCH", "/api/campaigns/{id}", false, EndpointAccess.NonTemp),
        new("DELETE", "/api/campaigns/{id}", false, EndpointAccess.NonTemp),
        new("GET", "/api/campaigns/stats", false, EndpointAccess.InfluenceAdmins),
        new("GET", "/api/campaigns/{id}/emails", false, EndpointAccess.InfluenceAdmins),
        new("GET", "/api/campaigns/{id}/custom-recipients", false, EndpointAccess.InfluenceAdmins),
        new("POST", "/api/campaigns/{id}/custom-recipients", false, EndpointAccess.InfluenceAdmins),
        new("PATCH", "/api/campaigns/{id}/custom-recipients/{id}", false, EndpointAccess.InfluenceAdmins),
        new("DELETE", "/api/campaigns/{id}/custom-recipients/{id}", false, EndpointAccess.InfluenceAdmins),
        new("GET", "/api/public/campaigns", Anonymous: true),
        new("GET", "/api/public/campaigns/{id}", Anonymous: true),
        new("POST", "/api/public/campaigns/{id}/emails", Anonymous: true),
        new("POST", "/api/public/campaigns/{id}/calls", Anonymous: true),
        new("POST", "/api/public/representatives/lookup", Anonymous: true),
        new("GET", "/api/representatives", false, EndpointAccess.InfluenceAdmins),
        new("DELETE", "/api/representatives/cache", false, EndpointAccess.InfluenceAdmins),
        new("GET", "/api/representatives/health", false, EndpointAccess.InfluenceAdmins),
        new("GET", "/api/postal-codes/stats", false, EndpointAccess.InfluenceAdmins),
        new("POST", "/api/postal-codes/lookup", false, EndpointAccess.InfluenceAdmins),
        new("POST", "/api/public/responses", Anonymous: true),
        new("GET", "/api/public/responses/{id}", Anonymous: true),
        new("POST", "/api/public/responses/{id}/upvote", Anonymous: true),
        new("GET", "/api/public/responses/verify/{id}", Anonymous: true) { AnswersHtml = true },
        new("GET", "/api/public/responses/report/{id}", Anonymous: true) { AnswersHtml = true },
        new("GET", "/api/responses", false, EndpointAccess.InfluenceAdmins),
        new("POST", "/api/responses/{id}/approve", false, EndpointAccess.InfluenceAdmins),
        new("POST", "/api/responses/{id}/reject", false, EndpointAccess.InfluenceAdmins),
        new("POST", "/api/responses/{id}/verify", false, EndpointAccess.InfluenceAdmins),
    ];
}
