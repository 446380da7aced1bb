using Microsoft.AspNetCore.Http.HttpResults;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Canvassing;

/// <summary>Door leases of a canvass session and the shift turf kept on a cut (docs/canvassing.md).</summary>
public static class LeaseEndpoints
{
    /// <summary>Where the canvasser stands (both or neither) and how many doors they want (default 10, at most 50).</summary>
    public sealed record LeaseDoorsRequest(double? Latitude, double? Longitude, int? Count);

    public static RouteGroupBuilder MapLeaseEndpoints(this RouteGroupBuilder canvass)
    {
        canvass.MapPost("/sessions/{id:guid}/doors/lease", async Task<Ok<DoorLeaseView>> (Guid id, Body<LeaseDoorsRequest> request, HttpContext http,
            IClusterClient cluster) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.Range("latitude", body.Latitude, -90, 90);
            validation.Range("longitude", body.Longitude, -180, 180);
            if (body.Latitude.HasValue != body.Longitude.HasValue)
                validation.Add(body.Latitude.HasValue ? "longitude" : "latitude", "is required with the other coordinate.");
            validation.Range("count", body.Count, 1, DoorLeaseRules.MaxCount);
            validation.ThrowIfInvalid();
            var caller = CanvassEndpoints.CallerOf(http);
            // The session says which cut (404 unless it is the caller's, or the caller administers canvassing).
            var session = await cluster.GetGrain<ICanvassSessionGrain>(id).Get(caller);
            if (session.Status != CanvassSessionStatus.Active)
                throw DomainException.Conflict($"The session is {EnumWireNames.ToWireName(session.Status)}; it holds no doors.",
                    new() { ["sessionStatus"] = EnumWireNames.ToWireName(session.Status) });
            if (session.CutId is not { } cutId) throw DomainException.Conflict("The session's cut was deleted.");
            // Asking again answers the session's own leases, renewed: a call lost with a dying silo is simply sent again.
            return TypedResults.Ok(await RetryPolicy.SiloDied.RunAsync(() => cluster.GetGrain<IDoorLeaseGrain>(cutId)
                .Lease(id, caller, body.Latitude, body.Longitude, body.Count ?? DoorLeaseRules.DefaultCount)));
        }).ProducesProblems(400, 403, 404, 409).ProducesAuthProblems();

        canvass.MapGet("/shifts/{shiftId:guid}/turf", async Task<Ok<ShiftTurfView>> (Guid shiftId, HttpContext http, IClusterClient cluster) =>
        {
            var caller = CanvassEndpoints.CallerOf(http);
            if (!caller.IsAdmin && !await cluster.GetGrain<IShiftQueryGrain>(0).IsSignedUp(shiftId, caller.UserId))
                throw DomainException.NotFound("Turf kept for you on this shift");
            var shift = await cluster.GetGrain<IShiftGrain>(shiftId).Get();
            if (shift.CutId is not { } cutId)
            {
                if (!caller.IsAdmin) throw DomainException.NotFound("Turf kept for you on this shift");
                return TypedResults.Ok(new ShiftTurfView(shiftId, null, null, []));
            }
            return TypedResults.Ok(await cluster.GetGrain<IDoorLeaseGrain>(cutId).Turf(shiftId, caller));
        }).ProducesProblems(404).ProducesAuthProblems();

        return canvass;
    }

    /// <summary>The page's doors leased to the caller, marked with when each lease runs out.</summary>
    public static async Task<WalkList> MarkLeasedAsync(WalkList page, Guid userId, IClusterClient cluster)
    {
        var leases = await cluster.GetGrain<IDoorLeaseGrain>(page.CutId).LeasesOf(userId);
        if (leases.Count == 0) return page;
        return page with { Items = page.Items.Select(i => leases.TryGetValue(i.AddressId, out var until) ? i with { LeasedUntil = until } : i).ToList() };
    }
}
