using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Shifts;

public static class ShiftEndpoints
{
    // Dates and times arrive as strings so that a malformed one is a 400 naming its field, not a parser error.
    public sealed record CreateShiftBody(string? Title, string? Description, string? Date, string? StartTime, string? EndTime,
        string? Location, int? MaxVolunteers, bool? IsPublic, Guid? CutId);

    /// <summary>A partial edit. <c>cutId: null</c> detaches the cut (absent leaves it); an empty description or location clears it.</summary>
    public sealed record UpdateShiftBody(string? Title, string? Description, string? Date, string? StartTime, string? EndTime,
        string? Location, int? MaxVolunteers, bool? IsPublic, JsonElement CutId);

    /// <summary>Empty: the caller signs up themself. <c>userId</c> or <c>email</c> + <c>name</c>: an admin adds someone.</summary>
    public sealed record SignupBody(Guid? UserId, string? Email, string? Name, string? Phone);

    public sealed record PublicSignupBody(string? Name, string? Email, string? Phone);

    public static IServiceCollection AddShiftsFrontend(this IServiceCollection services)
    {
        services.AddSingleton<ILiveTopicAuthorizer, ShiftTopicAuthorizer>();
        return services;
    }

    public static IEndpointRouteBuilder MapShiftEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = Policies.Administer(AdminApp.Shifts);
        var shifts = app.MapGroup("/api/shifts").WithTags("Shifts");

        shifts.MapGet("/", (HttpContext http, IClusterClient cluster, string? from, string? to, string? status, string? cutId) =>
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
            return cluster.GetGrain<IShiftQueryGrain>(0).List(new ShiftFilter(fromDate, toDate, statusFilter, cut, upcomingByDefault), page);
        }).RequireAuthorization(Policies.SignedIn);

        shifts.MapPost("/", async (HttpContext http, IClusterClient cluster) =>
        {
            var body = await RequestJson.ReadAsync<CreateShiftBody>(http.Request);
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
            var shift = await cluster.GetGrain<IShiftGrain>(Grains.Interfaces.Platform.Ids.New()).Create(new CreateShiftCommand(
                body.Title!, body.Description, date!.Value, start!, end!, body.Location, body.MaxVolunteers!.Value, body.IsPublic ?? false,
                body.CutId, AuthEndpoints.CurrentUser(http)));
            return Results.Created($"/api/shifts/{shift.Id}", shift);
        }).RequireAuthorization(admin);

        shifts.MapGet("/mine", (HttpContext http, IClusterClient cluster, string? from, string? to) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var fromDate = QueryDate(validation, "from", from);
            var toDate = QueryDate(validation, "to", to);
            validation.ThrowIfInvalid();
            return cluster.GetGrain<IShiftQueryGrain>(0).Mine(AuthEndpoints.CurrentUser(http), fromDate, toDate, page);
        }).RequireAuthorization(Policies.SignedIn);

        shifts.MapGet("/{id:guid}", (Guid id, IClusterClient cluster) => cluster.GetGrain<IShiftGrain>(id).Get())
            .RequireAuthorization(Policies.SignedIn);

        shifts.MapPatch("/{id:guid}", async (Guid id, HttpContext http, IClusterClient cluster) =>
        {
            var body = await RequestJson.ReadAsync<UpdateShiftBody>(http.Request);
            var validation = new Validation();
            if (body.Title is not null) validation.Required("title", body.Title, ShiftRules.TitleMaxLength);
            validation.MaxLength("description", body.Description, ShiftRules.DescriptionMaxLength);
            validation.MaxLength("location", body.Location, ShiftRules.LocationMaxLength);
            var date = BodyDate(validation, "date", body.Date, required: false);
            var start = BodyTime(validation, "startTime", body.StartTime, required: false);
            var end = BodyTime(validation, "endTime", body.EndTime, required: false);
            if (start is not null && end is not null && !ShiftRules.EndsAfterStart(start, end)) validation.Add("endTime", "must be after startTime.");
            validation.Range("maxVolunteers", body.MaxVolunteers, 1, ShiftRules.MaxVolunteersLimit);
            Guid? cutId = null;
            var clearCut = false;
            switch (body.CutId.ValueKind)
            {
                case JsonValueKind.Undefined:
                    break;
                case JsonValueKind.Null:
                    clearCut = true;
                    break;
                case JsonValueKind.String when body.CutId.TryGetGuid(out var parsed):
                    cutId = parsed;
                    break;
                default:
                    validation.Add("cutId", "must be a UUID or null.");
                    break;
            }
            validation.ThrowIfInvalid();
            return await cluster.GetGrain<IShiftGrain>(id).Update(new UpdateShiftCommand(body.Title, body.Description, date, start, end,
                body.Location, body.MaxVolunteers, body.IsPublic, cutId, clearCut));
        }).RequireAuthorization(admin);

        shifts.MapPost("/{id:guid}/cancel", (Guid id, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IShiftGrain>(id).Cancel(AuthEndpoints.CurrentUser(http))).RequireAuthorization(admin);

        shifts.MapDelete("/{id:guid}", async (Guid id, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IShiftGrain>(id).Delete();
            return Results.NoContent();
        }).RequireAuthorization(admin);

        // requireNonTemp of the original: TEMP volunteers sign up through the public page only.
        shifts.MapPost("/{id:guid}/signups", async (Guid id, HttpContext http, IClusterClient cluster) =>
        {
            var body = await ReadOptionalJson<SignupBody>(http.Request) ?? new SignupBody(null, null, null, null);
            var caller = AuthEndpoints.CurrentUser(http);
            SignupView signup;
            if (body.UserId is null && body.Email is null && body.Name is null && body.Phone is null)
            {
                signup = await cluster.GetGrain<IShiftGrain>(id).SignUpSelf(caller);
            }
            else
            {
                if (!AccessRules.CanAdminister(http.User, AdminApp.Shifts))
                    return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
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
            return Results.Created($"/api/shifts/{id}/signups/{signup.Id}", signup);
        }).RequireAuthorization(Policies.NonTemp);

        shifts.MapDelete("/{id:guid}/signups/{signupId:guid}", async (Guid id, Guid signupId, HttpContext http, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IShiftGrain>(id).CancelSignup(signupId, AuthEndpoints.CurrentUser(http),
                AccessRules.CanAdminister(http.User, AdminApp.Shifts));
            return Results.NoContent();
        }).RequireAuthorization(Policies.SignedIn);

        shifts.MapGet("/{id:guid}/signups", (Guid id, HttpContext http, IClusterClient cluster, string? status) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var statusFilter = QueryEnum.Parse<SignupStatus>(validation, "status", status);
            validation.ThrowIfInvalid();
            return cluster.GetGrain<IShiftQueryGrain>(0).Signups(id, statusFilter, page);
        }).RequireAuthorization(admin);

        var publicShifts = app.MapGroup("/api/public/shifts").WithTags("Shifts").AllowAnonymous();

        publicShifts.MapGet("/", (HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IShiftQueryGrain>(0).ListPublic(Paging.From(http.Request)));

        // The public signup makes accounts and sends mail for anyone who asks: a small budget per IP, 5 a minute like the original.
        var publicSignupsPerIpPerMinute = app.ServiceProvider.GetRequiredService<IConfiguration>().GetValue("SHIFT_SIGNUP_RATE_LIMIT_PER_IP", 5);
        publicShifts.MapPost("/{id:guid}/signups", async (Guid id, HttpContext http, IClusterClient cluster, AbuseLimits limits) =>
        {
            var body = await RequestJson.ReadAsync<PublicSignupBody>(http.Request);
            var validation = new Validation();
            validation.Required("name", body.Name, ShiftRules.NameMaxLength);
            validation.Email("email", body.Email);
            validation.MaxLength("phone", body.Phone, ShiftRules.PhoneMaxLength);
            validation.ThrowIfInvalid();
            await limits.EnforcePerIpAsync("shift-signup", http, publicSignupsPerIpPerMinute);
            var signup = await cluster.GetGrain<IShiftSignupIntakeGrain>(0).SignUpPublic(id, body.Email!, body.Name!, body.Phone);
            return Results.Created($"/api/public/shifts/{id}/signups/{signup.Id}", signup);
        });

        return app;
    }

    /// <summary>The self-signup needs no body; one that is sent is still read strictly.</summary>
    private static async Task<T?> ReadOptionalJson<T>(HttpRequest request) where T : class
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.HasJsonContentType())) return null;
        return await RequestJson.ReadAsync<T>(request);
    }

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
