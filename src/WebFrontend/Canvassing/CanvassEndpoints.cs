using Microsoft.AspNetCore.Http.HttpResults;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Canvassing;

public static class CanvassEndpoints
{
    public sealed record StartSessionRequest(Guid? CutId, Guid? ShiftId, double? StartLatitude, double? StartLongitude);

    public sealed record RecordVisitRequest(Guid? ClientVisitId, Guid? AddressId, VisitOutcome? Outcome, SupportLevel? SupportLevel, bool? SignRequested,
        string? SignSize, string? Notes, int? DurationSeconds, DateTimeOffset? VisitedAt, bool? AllowOutsideCut);

    public sealed record TrackPointRequest(long? Seq, double? Latitude, double? Longitude, double? Accuracy, DateTimeOffset? RecordedAt, TrackPointEvent? EventType);

    public sealed record AddPointsRequest(List<TrackPointRequest?>? Points);

    public sealed record ReviewConflictRequest(string? Note);

    /// <summary><c>userId</c>: the new lead; <c>null</c> clears it. The field is required so that a forgotten one clears nothing.</summary>
    public sealed record SetShiftLeadRequest(System.Text.Json.JsonElement UserId);

    public static IServiceCollection AddCanvassFrontend(this IServiceCollection services)
    {
        services.AddSingleton<ILiveTopicAuthorizer, CanvassTopicAuthorizer>();
        return services;
    }

    public static IEndpointRouteBuilder MapCanvassEndpoints(this IEndpointRouteBuilder app)
    {
        var canvass = app.MapGroup("/api/canvass").WithTags("Canvassing").RequireAuthorization(Policies.SignedIn);

        canvass.MapPost("/sessions", async Task<Created<CanvassSessionView>> (Body<StartSessionRequest> request, HttpContext http, IClusterClient cluster) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.Required("cutId", body.CutId);
            validation.Range("startLatitude", body.StartLatitude, -90, 90);
            validation.Range("startLongitude", body.StartLongitude, -180, 180);
            if (body.StartLatitude.HasValue != body.StartLongitude.HasValue)
                validation.Add(body.StartLatitude.HasValue ? "startLongitude" : "startLatitude", "is required with the other coordinate.");
            validation.ThrowIfInvalid();
            var session = await cluster.GetGrain<ICanvassSessionGrain>(Ids.New())
                .Start(CallerOf(http), new StartSessionCommand(body.CutId!.Value, body.ShiftId, body.StartLatitude, body.StartLongitude));
            return TypedResults.Created($"/api/canvass/sessions/{session.Id}", session);
        }).ProducesProblems(400, 409).ProducesAuthProblems();

        canvass.MapGet("/sessions/active", async Task<Ok<CanvassSessionDetails>> (HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<ICanvassQueryGrain>(0).GetActiveSession(AuthEndpoints.CurrentUser(http))
                ?? throw DomainException.NotFound("An active session")))
            .ProducesProblems(404).ProducesAuthProblems();

        canvass.MapGet("/sessions", async Task<Ok<Page<CanvassSessionView>>> (HttpContext http, IClusterClient cluster, string? status, string? userId,
            string? cutId, string? shiftId) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var statusFilter = QueryEnum.Parse<CanvassSessionStatus>(validation, "status", status);
            var filter = new SessionFilter(statusFilter, QueryGuid.Parse(validation, "userId", userId), QueryGuid.Parse(validation, "cutId", cutId),
                QueryGuid.Parse(validation, "shiftId", shiftId));
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<ICanvassQueryGrain>(0).ListSessions(filter, page));
        }).RequireAuthorization(Policies.Administer(AdminApp.Canvass)).ProducesProblems(400).ProducesAuthProblems();

        canvass.MapGet("/sessions/{id:guid}", async Task<Ok<CanvassSessionDetails>> (Guid id, HttpContext http, IClusterClient cluster) =>
        {
            var details = await cluster.GetGrain<ICanvassQueryGrain>(0).GetSession(id);
            if (details is null || !MaySee(http, details.Session.UserId)) throw DomainException.NotFound("The session");
            return TypedResults.Ok(details);
        }).ProducesProblems(404).ProducesAuthProblems();

        canvass.MapPost("/sessions/{id:guid}/visits", async Task<Results<Created<VisitView>, Ok<VisitView>>> (Guid id, Body<RecordVisitRequest> request,
            HttpContext http, IClusterClient cluster) =>
        {
            var result = await RecordVisitAsync(cluster, CallerOf(http), id, VisitCommand(request.Value));
            return result.Created
                ? TypedResults.Created($"/api/canvass/sessions/{id}/visits/{result.Visit.Id}", result.Visit)
                : TypedResults.Ok(result.Visit);
        }).ProducesProblems(400, 404, 409).ProducesAuthProblems();

        canvass.MapPost("/sessions/{id:guid}/points", async Task<Ok<PointsResult>> (Guid id, Body<AddPointsRequest> request, HttpContext http,
            IClusterClient cluster) =>
        {
            var points = ValidatePoints(request.Value);
            var caller = CallerOf(http);
            // Idempotent by seq, so a call lost with a dying silo is simply sent again.
            return TypedResults.Ok(await RetryPolicy.SiloDied.RunAsync(() => cluster.GetGrainById<ITrackingSessionGrain>(id).AddPoints(caller, points)));
        }).ProducesProblems(400, 404, 409, 413).ProducesAuthProblems();

        canvass.MapGet("/sessions/{id:guid}/track", async Task<Ok<TrackView>> (Guid id, HttpContext http, IClusterClient cluster) =>
        {
            var query = cluster.GetGrain<ICanvassQueryGrain>(0);
            var owner = await query.GetOwnership(id);
            if (owner is null || !MaySee(http, owner.UserId)) throw DomainException.NotFound("The session");
            return TypedResults.Ok(await query.GetTrack(id) ?? throw DomainException.NotFound("The session"));
        }).ProducesProblems(404).ProducesAuthProblems();

        canvass.MapPost("/sessions/{id:guid}/end", async Task<Ok<CanvassSessionView>> (Guid id, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<ICanvassSessionGrain>(id).End(CallerOf(http))))
            .ProducesProblems(404, 409).ProducesAuthProblems();

        canvass.MapGet("/cuts/{cutId:guid}/walk-list", async Task<Ok<WalkList>> (Guid cutId, HttpContext http, IClusterClient cluster, string? fromLat,
            string? fromLng) =>
        {
            var validation = new Validation();
            var latitude = QueryDouble(validation, "fromLat", fromLat, -90, 90);
            var longitude = QueryDouble(validation, "fromLng", fromLng, -180, 180);
            if (latitude.HasValue != longitude.HasValue)
                validation.Add(latitude.HasValue ? "fromLng" : "fromLat", "is required with the other coordinate.");
            validation.ThrowIfInvalid();
            // A page of at most PageRequest.MaxPageSize doors, cut from a route planned once per start area (docs/canvassing.md).
            var page = Paging.From(http.Request, PageRequest.MaxPageSize);
            var query = cluster.GetGrain<ICanvassQueryGrain>(0);
            if (!await query.MayCanvassCut(cutId, CallerOf(http))) throw DomainException.NotFound("The cut");
            var withSupport = AccessRules.Holds(http.User, VolunteerGrant.SupportLevels);
            var walkList = await cluster.GetGrain<IWalkListGrain>(cutId).Page(latitude, longitude, page, withSupport);
            return TypedResults.Ok(await LeaseEndpoints.MarkLeasedAsync(walkList, AuthEndpoints.CurrentUser(http), cluster));
        }).ProducesProblems(400, 404).ProducesAuthProblems();

        canvass.MapGet("/cuts/{cutId:guid}/stats", async Task<Ok<CutStats>> (Guid cutId, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<ICanvassQueryGrain>(0).CutStats(cutId)))
            .RequireAuthorization(Policies.Administer(AdminApp.Canvass)).ProducesAuthProblems();

        canvass.MapLeaseEndpoints();

        MapAlertEndpoints(app, canvass);
        return app;
    }

    /// <summary>Knock conflicts, safety alerts and the shift lead who receives them (docs/api/canvassing.md "Conflicts and alerts").</summary>
    private static void MapAlertEndpoints(IEndpointRouteBuilder app, RouteGroupBuilder canvass)
    {
        var canvassAdmin = Policies.Administer(AdminApp.Canvass);

        canvass.MapGet("/conflicts", async Task<Ok<Page<KnockConflictView>>> (HttpContext http, IClusterClient cluster, string? cutId, string? status) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var cut = QueryGuid.Parse(validation, "cutId", cutId);
            bool? reviewed = (status?.Trim().ToLowerInvariant()) switch
            {
                null or "" or "open" => false,
                "reviewed" => true,
                "all" => null,
                _ => Invalid(validation, "status", "must be open, reviewed or all."),
            };
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<ICanvassAlertQueryGrain>(0).ListConflicts(new ConflictFilter(cut, reviewed), page));
        }).RequireAuthorization(canvassAdmin).ProducesProblems(400).ProducesAuthProblems();

        canvass.MapPost("/conflicts/{id:guid}/review", async Task<Ok<KnockConflictView>> (Guid id, Body<ReviewConflictRequest>? request, HttpContext http,
            IClusterClient cluster) =>
        {
            var note = request?.Value.Note;
            var validation = new Validation();
            validation.MaxLength("note", note, CanvassAlertRules.MaxReviewNoteLength);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<IKnockConflictGrain>(id).Review(AuthEndpoints.CurrentUser(http), note));
        }).RequireAuthorization(canvassAdmin).ProducesProblems(400, 404, 409).ProducesAuthProblems();

        // Admins see every alert; anyone else the alerts of the shifts they lead (none if they lead none).
        canvass.MapGet("/alerts", async Task<Ok<Page<SafetyAlertView>>> (HttpContext http, IClusterClient cluster, string? kind, string? shiftId,
            string? sessionId, string? acknowledged) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var kindFilter = QueryEnum.Parse<SafetyAlertKind>(validation, "kind", kind);
            var shift = QueryGuid.Parse(validation, "shiftId", shiftId);
            var session = QueryGuid.Parse(validation, "sessionId", sessionId);
            bool? acknowledgedFilter = (acknowledged?.Trim().ToLowerInvariant()) switch
            {
                null or "" => null,
                "true" => true,
                "false" => false,
                _ => Invalid(validation, "acknowledged", "must be true or false."),
            };
            validation.ThrowIfInvalid();
            var caller = CallerOf(http);
            var filter = new AlertFilter(kindFilter, shift, session, acknowledgedFilter, caller.IsAdmin ? null : caller.UserId);
            return TypedResults.Ok(await cluster.GetGrain<ICanvassAlertQueryGrain>(0).ListAlerts(filter, page));
        }).ProducesProblems(400).ProducesAuthProblems();

        canvass.MapPost("/alerts/{id:guid}/acknowledge", async Task<Ok<SafetyAlertView>> (Guid id, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<ISafetyAlertGrain>(id).Acknowledge(CallerOf(http))))
            .ProducesProblems(404, 409).ProducesAuthProblems();

        // The lead exists for the canvass safety alerts, so its route lives with them; it is a shift's route, for shift admins.
        app.MapPut("/api/shifts/{id:guid}/lead", async Task<Ok<ShiftLeadView>> (Guid id, Body<SetShiftLeadRequest> request, IClusterClient cluster) =>
        {
            var validation = new Validation();
            var (userId, clear) = new JsonFields(validation).ClearableId("userId", request.Value.UserId);
            if (userId is null && !clear && validation.IsValid) validation.Add("userId", "is required (null clears the lead).");
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<IShiftGrain>(id).SetLead(userId));
        }).WithTags("Shifts").RequireAuthorization(Policies.Administer(AdminApp.Shifts)).ProducesProblems(400, 404, 409).ProducesAuthProblems();
    }

    private static bool? Invalid(Validation validation, string name, string message)
    {
        validation.Add(name, message);
        return null;
    }

    /// <summary>A visit's body checked and made a command: the same rules for a request and a message on the live connection.</summary>
    public static RecordVisitCommand VisitCommand(RecordVisitRequest body)
    {
        var validation = new Validation();
        validation.Required("clientVisitId", body.ClientVisitId);
        validation.Required("addressId", body.AddressId);
        validation.Required("outcome", body.Outcome);
        validation.MaxLength("signSize", body.SignSize, CanvassRules.MaxSignSizeLength);
        validation.MaxLength("notes", body.Notes, CanvassRules.MaxNotesLength);
        validation.Range("durationSeconds", body.DurationSeconds, 0, CanvassRules.MaxDurationSeconds);
        if (body.ClientVisitId == Guid.Empty) validation.Add("clientVisitId", "must not be the empty id.");
        // A request's body was checked for unstorable strings as it was read (RequestStrings); a hub message was not.
        foreach (var (field, text) in new[] { ("signSize", body.SignSize), ("notes", body.Notes) })
            if (RequestStrings.ProblemOf(text) is { } problem) validation.Add(field, problem);
        validation.ThrowIfInvalid();
        return new RecordVisitCommand(body.ClientVisitId!.Value, body.AddressId!.Value, body.Outcome!.Value, body.SupportLevel,
            body.SignRequested, body.SignSize, body.Notes, body.DurationSeconds, body.VisitedAt, body.AllowOutsideCut ?? false);
    }

    /// <summary>
    /// Records a visit into a session; idempotent by clientVisitId, so a call lost with a dying silo is simply sent again.
    /// </summary>
    public static Task<VisitResult> RecordVisitAsync(IClusterClient cluster, Caller caller, Guid sessionId, RecordVisitCommand command) =>
        RetryPolicy.SiloDied.RunAsync(() => cluster.GetGrainById<ICanvassSessionGrain>(sessionId).RecordVisit(caller, command));

    public static Caller CallerOf(HttpContext http) =>
        new(AuthEndpoints.CurrentUser(http), AccessRules.CanAdminister(http.User, AdminApp.Canvass));

    private static bool MaySee(HttpContext http, Guid ownerId) =>
        AuthEndpoints.CurrentUser(http) == ownerId || AccessRules.CanAdminister(http.User, AdminApp.Canvass);

    private static List<TrackPointInput> ValidatePoints(AddPointsRequest body)
    {
        var validation = new Validation();
        if (body.Points is null || body.Points.Count == 0)
        {
            validation.Add("points", "must hold at least one point.");
            validation.ThrowIfInvalid();
        }
        if (body.Points!.Count > CanvassRules.MaxPointsPerRequest)
            throw new RequestValidationException(
                new Dictionary<string, string[]> { ["points"] = [$"must hold at most {CanvassRules.MaxPointsPerRequest} points per request."] },
                StatusCodes.Status413PayloadTooLarge);
        var latest = DateTimeOffset.UtcNow + CanvassRules.ClockSkew;
        var result = new List<TrackPointInput>(body.Points.Count);
        for (var i = 0; i < body.Points.Count; i++)
        {
            var point = body.Points[i];
            var field = $"points[{i}]";
            if (point is null)
            {
                validation.Add(field, "must be a point.");
                continue;
            }
            if (point.Seq is null) validation.Add($"{field}.seq", "is required.");
            else if (point.Seq < 0) validation.Add($"{field}.seq", "must be zero or more.");
            if (point.Latitude is null) validation.Add($"{field}.latitude", "is required.");
            else validation.Range($"{field}.latitude", point.Latitude, -90, 90);
            if (point.Longitude is null) validation.Add($"{field}.longitude", "is required.");
            else validation.Range($"{field}.longitude", point.Longitude, -180, 180);
            if (point.Accuracy is { } accuracy && (double.IsNaN(accuracy) || accuracy < 0)) validation.Add($"{field}.accuracy", "must be zero or more.");
            if (point.RecordedAt is null) validation.Add($"{field}.recordedAt", "is required.");
            else if (point.RecordedAt > latest) validation.Add($"{field}.recordedAt", "must not be in the future.");
            if (point.EventType is TrackPointEvent.SessionStarted or TrackPointEvent.SessionEnded or TrackPointEvent.VisitRecorded)
                validation.Add($"{field}.eventType", "only LOCATION_ADDED may come from a phone; the server writes the other markers.");
            if (validation.IsValid)
                result.Add(new TrackPointInput(point.Seq!.Value, point.Latitude!.Value, point.Longitude!.Value, point.Accuracy,
                    point.RecordedAt!.Value.ToUniversalTime(), point.EventType));
        }
        if (validation.IsValid && result.Select(p => p.Seq).Distinct().Count() != result.Count)
        {
            // The same seq twice in one request with different fixes would make "first one wins" arbitrary.
            var index = result.Select((p, i) => (p.Seq, i)).GroupBy(p => p.Seq).First(g => g.Count() > 1).Skip(1).First().i;
            validation.Add($"points[{index}].seq", "appears twice in this request.");
        }
        validation.ThrowIfInvalid();
        return result;
    }

    private static double? QueryDouble(Validation validation, string name, string? raw, double min, double max)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        if (!double.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) ||
            !double.IsFinite(value))
        {
            validation.Add(name, "must be a number.");
            return null;
        }
        validation.Range(name, value, min, max);
        return value;
    }
}
