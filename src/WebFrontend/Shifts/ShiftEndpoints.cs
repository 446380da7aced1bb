using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Shifts;

public static class ShiftEndpoints
{
    // Dates and times arrive as strings so that a malformed one is a 400 naming its field, not a parser error.
    public sealed record CreateShiftRequest(string? Title, string? Description, string? Date, string? StartTime, string? EndTime,
        string? Location, int? MaxVolunteers, bool? IsPublic, Guid? CutId);

    /// <summary>A partial edit. <c>cutId: null</c> detaches the cut (absent leaves it); an empty description or location clears it.</summary>
    public sealed record UpdateShiftRequest(string? Title, string? Description, string? Date, string? StartTime, string? EndTime,
        string? Location, int? MaxVolunteers, bool? IsPublic, JsonElement CutId);

    /// <summary>Empty: the caller signs up themself. <c>userId</c> or <c>email</c> + <c>name</c>: an admin adds someone.</summary>
    public sealed record SignUpRequest(Guid? UserId, string? Email, string? Name, string? Phone);

    public sealed record PublicSignUpRequest(string? Name, string? Email, string? Phone);

    public static IServiceCollection AddShiftsFrontend(this IServiceCollection services)
    {
        services.AddSingleton<ILiveTopicAuthorizer, ShiftTopicAuthorizer>();
        return services;
    }

    public static IEndpointRouteBuilder MapShiftEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = Policies.Administer(AdminApp.Shifts);
        var shifts = app.MapGroup("/api/shifts").WithTags("Shifts");

        shifts.MapGet("/", async Task<Ok<Page<ShiftView>>> (HttpContext http, IClusterClient cluster, string? from, string? to, string? status, string? cutId) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var fromDate = QueryDate(validation, "from", from);
            var toDate = QueryDate(validation, "to", to);
            var statusFilter = QueryEnum.Parse<ShiftStatus>(validation, "status", status);
            var cut = QueryGuid.Parse(validation, "cutId", cutId);
            if (fromDate is not null && toDate is not null && toDate < fromDate) validation.Add("to", "must not be before from.");
            validation.ThrowIfInvalid();
            // Volunteers look ahead; admins also look back, so only they see past shifts without asking for them.
            var upcomingByDefault = !AccessRules.CanAdminister(http.User, AdminApp.Shifts);
            // Private turf: without the grant, a volunteer sees the public shifts and the ones an admin put them on.
            var visibleTo = SeesPrivateShifts(http) ? (Guid?)null : AuthEndpoints.CurrentUser(http);
            return TypedResults.Ok(await cluster.GetGrain<IShiftQueryGrain>(0).List(
                new ShiftFilter(fromDate, toDate, statusFilter, cut, upcomingByDefault, visibleTo), page));
        }).RequireAuthorization(Policies.SignedIn).ProducesProblems(400).ProducesAuthProblems();

        shifts.MapPost("/", async Task<Created<ShiftView>> (Body<CreateShiftRequest> request, HttpContext http, IClusterClient cluster) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.Required("title", body.Title, ShiftRules.TitleMaxLength);
            validation.MaxLength("description", body.Description, ShiftRules.DescriptionMaxLength);
            validation.MaxLength("location", body.Location, ShiftRules.LocationMaxLength);
            var date = BodyDate(validation, "date", body.Date, required: true);
            var start = BodyTime(validation, "startTime", body.StartTime, required: true);
            var end = BodyTime(validation, "endTime", body.EndTime, required: true);
            if (start is not null && end is not null && !ShiftRules.EndsAfterStart(start, end)) validation.Add("endTime", "must be after startTime.");
            if (validation.Required("maxVolunteers", body.MaxVolunteers))
                validation.Range("maxVolunteers", body.MaxVolunteers, 1, ShiftRules.MaxVolunteersLimit);
            validation.ThrowIfInvalid();
            var shift = await cluster.GetGrain<IShiftGrain>(Ids.New()).Create(new CreateShiftCommand(
                body.Title!, body.Description, date!.Value, start!, end!, body.Location, body.MaxVolunteers!.Value, body.IsPublic ?? false,
                body.CutId, AuthEndpoints.CurrentUser(http)));
            return TypedResults.Created($"/api/shifts/{shift.Id}", shift);
        }).RequireAuthorization(admin).ProducesProblems(400, 409).ProducesAuthProblems();

        shifts.MapGet("/mine", async Task<Ok<Page<MyShiftView>>> (HttpContext http, IClusterClient cluster, string? from, string? to) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var fromDate = QueryDate(validation, "from", from);
            var toDate = QueryDate(validation, "to", to);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<IShiftQueryGrain>(0).Mine(AuthEndpoints.CurrentUser(http), fromDate, toDate, page));
        }).RequireAuthorization(Policies.SignedIn).ProducesProblems(400).ProducesAuthProblems();

        shifts.MapGet("/{id:guid}", async Task<Ok<ShiftView>> (Guid id, HttpContext http, IClusterClient cluster) =>
            {
                var shift = await cluster.GetGrain<IShiftGrain>(id).Get();
                // A shift one may not see answers like one that does not exist.
                if (!await MaySee(http, cluster, shift)) throw DomainException.NotFound("The shift");
                return TypedResults.Ok(shift);
            })
            .RequireAuthorization(Policies.SignedIn).ProducesProblems(404).ProducesAuthProblems();

        shifts.MapPatch("/{id:guid}", async Task<Ok<ShiftView>> (Guid id, Body<UpdateShiftRequest> request, IClusterClient cluster) =>
        {
            var body = request.Value;
            var validation = new Validation();
            if (body.Title is not null) validation.Required("title", body.Title, ShiftRules.TitleMaxLength);
            validation.MaxLength("description", body.Description, ShiftRules.DescriptionMaxLength);
            validation.MaxLength("location", body.Location, ShiftRules.LocationMaxLength);
            var date = BodyDate(validation, "date", body.Date, required: false);
            var start = BodyTime(validation, "startTime", body.StartTime, required: false);
            var end = BodyTime(validation, "endTime", body.EndTime, required: false);
            if (start is not null && end is not null && !ShiftRules.EndsAfterStart(start, end)) validation.Add("endTime", "must be after startTime.");
            validation.Range("maxVolunteers", body.MaxVolunteers, 1, ShiftRules.MaxVolunteersLimit);
            var (cutId, clearCut) = new JsonFields(validation).ClearableId("cutId", body.CutId);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<IShiftGrain>(id).Update(new UpdateShiftCommand(body.Title, body.Description, date, start, end,
                body.Location, body.MaxVolunteers, body.IsPublic, cutId, clearCut)));
        }).RequireAuthorization(admin).ProducesProblems(400, 404, 409).ProducesAuthProblems();

        shifts.MapPost("/{id:guid}/cancel", async Task<Ok<ShiftView>> (Guid id, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<IShiftGrain>(id).Cancel(AuthEndpoints.CurrentUser(http))))
            .RequireAuthorization(admin).ProducesProblems(404, 409).ProducesAuthProblems();

        shifts.MapDelete("/{id:guid}", async Task<NoContent> (Guid id, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IShiftGrain>(id).Delete();
            return TypedResults.NoContent();
        }).RequireAuthorization(admin).ProducesProblems(404, 409).ProducesAuthProblems();

        // requireNonTemp of the original: TEMP volunteers sign up through the public page only.
        shifts.MapPost("/{id:guid}/signups", async Task<Results<Created<SignupView>, ProblemHttpResult>> (Guid id, Body<SignUpRequest>? request,
            HttpContext http, IClusterClient cluster) =>
        {
            var body = request?.Value ?? new SignUpRequest(null, null, null, null);
            var caller = AuthEndpoints.CurrentUser(http);
            SignupView signup;
            if (body.UserId is null && body.Email is null && body.Name is null && body.Phone is null)
            {
                signup = await cluster.GetGrain<IShiftGrain>(id).SignUpSelf(caller);
            }
            else
            {
                if (!AccessRules.CanAdminister(http.User, AdminApp.Shifts))
                    return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                        detail: "Only shift admins may sign up someone else; send an empty body to sign up yourself.");
                var validation = new Validation();
                if (body.UserId is not null && body.Email is not null)
                    validation.Add("userId", "give either userId or email and name, not both.");
                else if (body.UserId is null)
                {
                    validation.Email("email", body.Email);
                    validation.Required("name", body.Name, ShiftRules.NameMaxLength);
                    validation.MaxLength("phone", body.Phone, ShiftRules.PhoneMaxLength);
                }
                validation.ThrowIfInvalid();
                signup = body.UserId is { } userId
                    ? await cluster.GetGrain<IShiftGrain>(id).SignUpUser(userId, caller)
                    : await cluster.GetGrain<IShiftSignupIntakeGrain>(0).SignUpPerson(id,
                        new PersonSignupCommand(body.Email!, body.Name!, body.Phone, SignupSource.Admin, caller));
            }
            return TypedResults.Created($"/api/shifts/{id}/signups/{signup.Id}", signup);
        }).RequireAuthorization(Policies.NonTemp).ProducesProblems(400, 404, 409).ProducesAuthProblems();

        shifts.MapDelete("/{id:guid}/signups/{signupId:guid}", async Task<NoContent> (Guid id, Guid signupId, HttpContext http, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IShiftGrain>(id).CancelSignup(signupId, AuthEndpoints.CurrentUser(http),
                AccessRules.CanAdminister(http.User, AdminApp.Shifts));
            return TypedResults.NoContent();
        }).RequireAuthorization(Policies.SignedIn).ProducesProblems(404, 409).ProducesAuthProblems();

        shifts.MapGet("/{id:guid}/signups", async Task<Ok<Page<SignupView>>> (Guid id, HttpContext http, IClusterClient cluster, string? status) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var statusFilter = QueryEnum.Parse<SignupStatus>(validation, "status", status);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<IShiftQueryGrain>(0).Signups(id, statusFilter, page));
        }).RequireAuthorization(admin).ProducesProblems(400, 404).ProducesAuthProblems();

        var publicShifts = app.MapGroup("/api/public/shifts").WithTags("Shifts").AllowAnonymous();

        publicShifts.MapGet("/", async Task<Ok<Page<PublicShiftView>>> (HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<IShiftQueryGrain>(0).ListPublic(Paging.From(http.Request))))
            .ProducesProblems(400);

        // The public signup makes accounts and sends mail for anyone who asks: a small budget per IP, 5 a minute like the original,
        // and, whatever the number of addresses it comes from, per email address and per shift.
        var configuration = app.ServiceProvider.GetRequiredService<IConfiguration>();
        var publicSignupsPerIpPerMinute = configuration.GetValue("SHIFT_SIGNUP_RATE_LIMIT_PER_IP", 5);
        var publicSignupsPerEmailPerHour = configuration.GetValue("SHIFT_SIGNUP_RATE_LIMIT_PER_EMAIL", 5);
        var publicSignupsPerShiftPerMinute = configuration.GetValue("SHIFT_SIGNUP_RATE_LIMIT_PER_SHIFT", 30);
        publicShifts.MapPost("/{id:guid}/signups", async Task<Created<PublicSignupView>> (Guid id, Body<PublicSignUpRequest> request, HttpContext http,
            IClusterClient cluster, AbuseLimits limits) =>
        {
            var body = request.Value;
            var validation = new Validation();
            if (validation.Required("name", body.Name, ShiftRules.PublicNameMaxLength) && !ShiftRules.IsPlainName(body.Name))
                validation.Add("name", ShiftRules.PlainNameRule);
            validation.Email("email", body.Email);
            validation.MaxLength("phone", body.Phone, ShiftRules.PhoneMaxLength);
            validation.ThrowIfInvalid();
            await limits.EnforcePerIpAsync("shift-signup", http, publicSignupsPerIpPerMinute);
            await Limit(cluster, $"shift-signup:email:{EmailAddress.Normalize(body.Email!)}", publicSignupsPerEmailPerHour, TimeSpan.FromHours(1));
            await Limit(cluster, $"shift-signup:shift:{id}", publicSignupsPerShiftPerMinute, TimeSpan.FromMinutes(1));
            var signup = await cluster.GetGrain<IShiftSignupIntakeGrain>(0).SignUpPublic(id, body.Email!, body.Name!, body.Phone);
            return TypedResults.Created($"/api/public/shifts/{id}/signups/{signup.Id}", signup);
        }).ProducesProblems(400, 404, 409, 429);

        return app;
    }

    /// <summary>One more attempt against a budget shared by every frontend (<see cref="IRateLimitGrain"/>); past it, a 429.</summary>
    private static async Task Limit(IClusterClient cluster, string key, int limit, TimeSpan window)
    {
        var decision = await cluster.GetGrain<IRateLimitGrain>(key).Hit(limit, window);
        if (!decision.Allowed) throw DomainException.RateLimited(decision.RetryAfter);
    }

    /// <summary>Shift admins and holders of the private-shifts grant see every shift (docs/shifts.md "Private turf").</summary>
    public static bool SeesPrivateShifts(HttpContext http) =>
        AccessRules.CanAdminister(http.User, AdminApp.Shifts) || AccessRules.Holds(http.User, VolunteerGrant.PrivateShifts);

    private static async Task<bool> MaySee(HttpContext http, IClusterClient cluster, ShiftView shift) =>
        shift.IsPublic || SeesPrivateShifts(http) || await cluster.GetGrain<IShiftQueryGrain>(0).IsSignedUp(shift.Id, AuthEndpoints.CurrentUser(http));

    private static DateOnly? QueryDate(Validation validation, string name, string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        if (ShiftRules.TryParseDate(raw, out var date)) return date;
        validation.Add(name, "must be a date YYYY-MM-DD.");
        return null;
    }

    private static DateOnly? BodyDate(Validation validation, string name, string? raw, bool required)
    {
        if (raw is null)
        {
            if (required) validation.Add(name, "is required.");
            return null;
        }
        if (ShiftRules.TryParseDate(raw, out var date)) return date;
        validation.Add(name, "must be a date YYYY-MM-DD.");
        return null;
    }

    private static string? BodyTime(Validation validation, string name, string? raw, bool required)
    {
        if (raw is null)
        {
            if (required) validation.Add(name, "is required.");
            return null;
        }
        if (ShiftRules.IsTime(raw)) return raw;
        validation.Add(name, "must be a time HH:MM between 00:00 and 23:59.");
        return null;
    }
}
