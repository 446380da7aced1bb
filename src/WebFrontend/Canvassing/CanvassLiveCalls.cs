using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;
using Microsoft.AspNetCore.SignalR;

namespace ChangemakerLite.WebFrontend.Canvassing;

/// <summary>
/// Visits sent as messages on the canvasser's live connection (<c>RecordVisit</c> on <c>/hubs/live</c>) instead of one
/// request each. The connection was authenticated once, so a message skips what every request pays again (HTTP
/// parsing, authentication and authorization, routing, the middleware): in the canvassing bench a visit cost the node
/// about a quarter less CPU this way. The rules are the request's (<see cref="CanvassEndpoints.VisitCommand"/>, the
/// session's grain), the module's toggle included; a refusal comes back as a hub error naming the field, and a client
/// that wants the full problem answer sends the same visit as a request (harmless: the clientVisitId dedupes).
/// </summary>
public static class CanvassLiveCalls
{
    public static async Task<VisitView> RecordVisit(HubCallerContext context, IClusterClient cluster, FeatureToggleState toggles, Guid sessionId,
        CanvassEndpoints.RecordVisitRequest? body)
    {
        if (toggles.SwitchedOff(["Canvassing"]) is { } module)
            throw new HubException($"The {module} module is switched off on this site.");
        if (context.User is not { } user || AccessRules.UserIdOf(user) is not { } userId) throw new HubException("token: sign in to record visits.");
        try
        {
            var command = CanvassEndpoints.VisitCommand(body ?? throw new RequestValidationException("body", "a visit is required."));
            var caller = new Caller(userId, AccessRules.CanAdminister(user, AdminApp.Canvass));
            return (await CanvassEndpoints.RecordVisitAsync(cluster, caller, sessionId, command)).Visit;
        }
        catch (RequestValidationException ex)
        {
            throw new HubException(string.Join("; ", ex.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        }
        catch (DomainException ex)
        {
            throw new HubException(ex.Field is { } field ? $"{field}: {ex.Message}" : ex.Message);
        }
    }
}
