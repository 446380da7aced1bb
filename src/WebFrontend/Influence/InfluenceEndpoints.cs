using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Claims;
using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Influence;

/// <summary>The influence routes (docs/api/influence.md): campaigns, representatives and postal codes, sends, calls, custom recipients, the response wall.</summary>
public static class InfluenceEndpoints
{
    public sealed record CreateCampaignRequest(string? Title, string? Description, string? EmailSubject, string? EmailBody, string? CallToAction,
        string? CoverPhoto, GovernmentLevel[]? TargetGovernmentLevels, bool? AllowSmtpEmail, bool? AllowMailtoLink, bool? CollectUserInfo,
        bool? ShowEmailCount, bool? ShowCallCount, bool? AllowEmailEditing, bool? AllowCustomRecipients, bool? ShowResponseWall,
        bool? HighlightCampaign);

    public sealed record UpdateCampaignRequest(string? Title, string? Description, string? EmailSubject, string? EmailBody, string? CallToAction,
        string? CoverPhoto, GovernmentLevel[]? TargetGovernmentLevels, CampaignStatus? Status, bool? AllowSmtpEmail, bool? AllowMailtoLink,
        bool? CollectUserInfo, bool? ShowEmailCount, bool? ShowCallCount, bool? AllowEmailEditing, bool? AllowCustomRecipients,
        bool? ShowResponseWall, bool? HighlightCampaign);

    public sealed record LookupRequest(string? PostalCode);

    public sealed record RecipientRequest(string? Email, string? Name, string? Title, GovernmentLevel? Level);

    public sealed record SendEmailsRequest(string? IdempotencyKey, EmailMethod? Method, string? PostalCode, string? SenderName, string? SenderEmail,
        RecipientRequest[]? Recipients, string? Subject, string? Body);

    public sealed record RecordCallRequest(string? RepresentativeName, string? RepresentativeTitle, string? PhoneNumber, string? OfficeType,
        string? CallerName, string? CallerEmail, string? PostalCode);

    public sealed record CustomRecipientRequest(string? RecipientName, string? RecipientEmail, string? RecipientTitle, string? RecipientOrganization,
        string? Notes, bool? IsActive);

    public sealed record SubmitResponseRequest(string? CampaignSlug, string? RepresentativeName, string? RepresentativeTitle,
        GovernmentLevel? RepresentativeLevel, string? RepresentativeEmail, ResponseType? ResponseType, string? ResponseText, string? UserComment,
        string? SubmittedByName, string? SubmittedByEmail, bool? IsAnonymous);

    public static IServiceCollection AddInfluenceFrontend(this IServiceCollection services)
    {
        services.AddSingleton<ILiveTopicAuthorizer, CampaignTopicAuthorizer>();
        services.AddSingleton<CampaignSlugs>();
        services.AddSingleton<RepresentativeAnswers>();
        services.AddHostedService(sp => sp.GetRequiredService<RepresentativeAnswers>());
        return services;
    }

    public static IEndpointRouteBuilder MapInfluenceEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = Policies.Administer(AdminApp.Influence);
        var perIpPerMinute = app.ServiceProvider.GetRequiredService<IConfiguration>().GetValue("INFLUENCE_RATE_LIMIT_PER_IP", 10);

        // ---------------------------------------------------------------------------------------------------------
        // Campaigns (admins; signed-in users for their own submissions)
        // ---------------------------------------------------------------------------------------------------------
        var campaigns = app.MapGroup("/api/campaigns").WithTags("Influence");

        campaigns.MapGet("/", (HttpContext http, IClusterClient cluster, string? status, string? search) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var statusFilter = QueryEnum.Parse<CampaignStatus>(validation, "status", status);
            validation.MaxLength("search", search, 200);
            validation.ThrowIfInvalid();
            var owner = IsAdmin(http.User) ? (Guid?)null : AuthEndpoints.CurrentUser(http);
            return cluster.GetGrain<IInfluenceQueryGrain>(0).ListCampaigns(new CampaignFilter(statusFilter, search, owner), page);
        }).RequireAuthorization(Policies.SignedIn).ProducesValidationProblem();

        campaigns.MapPost("/", async (Body<CreateCampaignRequest> body, HttpContext http, IClusterClient cluster) =>
        {
            var b = body.Value;
            var validation = new Validation();
            validation.Required("title", b.Title, InfluenceRules.TitleMaxLength);
            validation.MaxLength("description", b.Description, InfluenceRules.BodyMaxLength);
            validation.Required("emailSubject", b.EmailSubject, InfluenceRules.SubjectMaxLength);
            validation.Required("emailBody", b.EmailBody, InfluenceRules.BodyMaxLength);
            validation.MaxLength("callToAction", b.CallToAction, InfluenceRules.TextMaxLength);
            CoverPhoto(validation, b.CoverPhoto);
            validation.ThrowIfInvalid();
            var actor = Actor(http);
            var campaign = await cluster.GetGrain<ICampaignGrain>(Ids.New()).Create(new CreateCampaignCommand(
                new CampaignFields(b.Title!, b.Description, b.EmailSubject!, b.EmailBody!, b.CallToAction, b.CoverPhoto,
                    b.TargetGovernmentLevels ?? []),
                new CampaignFlags(b.AllowSmtpEmail ?? true, b.AllowMailtoLink ?? true, b.CollectUserInfo ?? true, b.ShowEmailCount ?? true,
                    b.ShowCallCount ?? true, b.AllowEmailEditing ?? false, b.AllowCustomRecipients ?? false, b.ShowResponseWall ?? false,
                    b.HighlightCampaign ?? false),
                actor));
            return TypedResults.Created($"/api/campaigns/{campaign.Id}", campaign);
        }).RequireAuthorization(Policies.NonTemp).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);

        campaigns.MapGet("/stats", (IClusterClient cluster, string? recent) =>
            {
                var validation = new Validation();
                var count = 10;
                if (!string.IsNullOrEmpty(recent) && (!int.TryParse(recent, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count > 50))
                    validation.Add("recent", "must be a whole number from 0 to 50.");
                validation.ThrowIfInvalid();
                return cluster.GetGrain<IInfluenceQueryGrain>(0).Stats(count);
            }).RequireAuthorization(admin).ProducesValidationProblem().ProducesAuthProblems()
            .WithSummary("The dashboard's influence figures: campaigns, responses to moderate, emails of the last 24 hours, the latest emails.");

        campaigns.MapGet("/{id:guid}", async (Guid id, HttpContext http, IClusterClient cluster) =>
        {
            var campaign = await cluster.GetGrain<ICampaignGrain>(id).Get();
            // Non-admins see their own campaigns only; any other is "not found" to them.
            if (!IsAdmin(http.User) && campaign.CreatedByUserId != AuthEndpoints.CurrentUser(http)) throw DomainException.NotFound("The campaign");
            return TypedResults.Ok(campaign);
        }).RequireAuthorization(Policies.SignedIn).ProducesProblem(StatusCodes.Status404NotFound);

        campaigns.MapPatch("/{id:guid}", async (Guid id, Body<UpdateCampaignRequest> body, HttpContext http, IClusterClient cluster) =>
        {
            var b = body.Value;
            var validation = new Validation();
            if (b.Title is not null) validation.Required("title", b.Title, InfluenceRules.TitleMaxLength);
            if (b.EmailSubject is not null) validation.Required("emailSubject", b.EmailSubject, InfluenceRules.SubjectMaxLength);
            if (b.EmailBody is not null) validation.Required("emailBody", b.EmailBody, InfluenceRules.BodyMaxLength);
            validation.MaxLength("description", b.Description, InfluenceRules.BodyMaxLength);
            validation.MaxLength("callToAction", b.CallToAction, InfluenceRules.TextMaxLength);
            CoverPhoto(validation, b.CoverPhoto);
            validation.ThrowIfInvalid();
            var campaign = await cluster.GetGrain<ICampaignGrain>(id).Update(new UpdateCampaignCommand(b.Title, b.Description, b.EmailSubject,
                b.EmailBody, b.CallToAction, b.CoverPhoto, b.TargetGovernmentLevels, b.Status,
                new CampaignFlagChanges(b.AllowSmtpEmail, b.AllowMailtoLink, b.CollectUserInfo, b.ShowEmailCount, b.ShowCallCount, b.AllowEmailEditing,
                    b.AllowCustomRecipients, b.ShowResponseWall, b.HighlightCampaign),
                Actor(http)));
            return TypedResults.Ok(campaign);
        }).RequireAuthorization(Policies.NonTemp).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status403Forbidden);

        campaigns.MapDelete("/{id:guid}", async (Guid id, HttpContext http, IClusterClient cluster) =>
        {
            await cluster.GetGrain<ICampaignGrain>(id).Delete(Actor(http));
            return TypedResults.NoContent();
        }).RequireAuthorization(Policies.NonTemp).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        campaigns.MapGet("/{id:guid}/emails", (Guid id, HttpContext http, IClusterClient cluster) =>
                cluster.GetGrain<IInfluenceQueryGrain>(0).CampaignEmails(id, Paging.From(http.Request)))
            .RequireAuthorization(admin).ProducesProblem(StatusCodes.Status404NotFound);

        campaigns.MapGet("/{id:guid}/custom-recipients", (Guid id, IClusterClient cluster) =>
                cluster.GetGrain<ICampaignGrain>(id).ListCustomRecipients())
            .RequireAuthorization(admin).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        campaigns.MapPost("/{id:guid}/custom-recipients", async (Guid id, Body<CustomRecipientRequest> body, IClusterClient cluster) =>
        {
            var b = body.Value;
            var validation = new Validation();
            validation.Required("recipientName", b.RecipientName, InfluenceRules.NameMaxLength);
            validation.Email("recipientEmail", b.RecipientEmail);
            CheckRecipientText(validation, b);
            validation.ThrowIfInvalid();
            var created = await cluster.GetGrain<ICampaignGrain>(id).AddCustomRecipient(Fields(b));
            return TypedResults.Created($"/api/campaigns/{id}/custom-recipients/{created.Id}", created);
        }).RequireAuthorization(admin).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        campaigns.MapPatch("/{id:guid}/custom-recipients/{recipientId:guid}",
            async (Guid id, Guid recipientId, Body<CustomRecipientRequest> body, IClusterClient cluster) =>
            {
                var b = body.Value;
                var validation = new Validation();
                if (b.RecipientName is not null) validation.Required("recipientName", b.RecipientName, InfluenceRules.NameMaxLength);
                if (b.RecipientEmail is not null) validation.Email("recipientEmail", b.RecipientEmail);
                CheckRecipientText(validation, b);
                validation.ThrowIfInvalid();
                return TypedResults.Ok(await cluster.GetGrain<ICampaignGrain>(id).UpdateCustomRecipient(recipientId, Fields(b)));
            }).RequireAuthorization(admin).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        campaigns.MapDelete("/{id:guid}/custom-recipients/{recipientId:guid}", async (Guid id, Guid recipientId, IClusterClient cluster) =>
        {
            await cluster.GetGrain<ICampaignGrain>(id).DeleteCustomRecipient(recipientId);
            return TypedResults.NoContent();
        }).RequireAuthorization(admin).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        // ---------------------------------------------------------------------------------------------------------
        // Public campaign pages, sends and calls
        // ---------------------------------------------------------------------------------------------------------
        var publicCampaigns = app.MapGroup("/api/public/campaigns").WithTags("Influence").AllowAnonymous();

        publicCampaigns.MapGet("/", (HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IInfluenceQueryGrain>(0).ListPublicCampaigns(Paging.From(http.Request)))
            .ProducesValidationProblem();

        publicCampaigns.MapGet("/{slug}", async (string slug, CampaignSlugs slugs) =>
                TypedResults.Ok(await slugs.With(slug, c => c.GetPublic())))
            .ProducesProblem(StatusCodes.Status404NotFound);

        publicCampaigns.MapPost("/{slug}/emails", async (string slug, Body<SendEmailsRequest> body, HttpContext http, CampaignSlugs slugs,
            AbuseLimits limits) =>
        {
            var b = body.Value;
            var validation = new Validation();
            validation.Required("idempotencyKey", b.IdempotencyKey, InfluenceRules.IdempotencyKeyMaxLength);
            validation.Required("method", b.Method);
            if (b.PostalCode is not null && PostalCode.Normalize(b.PostalCode) is null) validation.Add("postalCode", "must be a Canadian postal code.");
            validation.MaxLength("senderName", b.SenderName, InfluenceRules.NameMaxLength);
            if (b.SenderEmail is not null) validation.Email("senderEmail", b.SenderEmail);
            validation.MaxLength("subject", b.Subject, InfluenceRules.SubjectMaxLength);
            validation.MaxLength("body", b.Body, InfluenceRules.BodyMaxLength);
            if (b.Recipients is null || b.Recipients.Length == 0) validation.Add("recipients", "name at least one recipient.");
            else if (b.Recipients.Length > InfluenceRules.MaxRecipients) validation.Add("recipients", $"at most {InfluenceRules.MaxRecipients}.");
            else
                for (var i = 0; i < b.Recipients.Length; i++)
                {
                    if (b.Recipients[i] is null) { validation.Add($"recipients[{i}]", "is required."); continue; }
                    validation.Email($"recipients[{i}].email", b.Recipients[i].Email);
                    validation.MaxLength($"recipients[{i}].name", b.Recipients[i].Name, InfluenceRules.NameMaxLength);
                    validation.MaxLength($"recipients[{i}].title", b.Recipients[i].Title, InfluenceRules.NameMaxLength);
                }
            validation.ThrowIfInvalid();
            await limits.EnforcePerIpAsync("campaign-email", http, perIpPerMinute);
            return await Upstream(http, async () =>
            {
                var result = await slugs.With(slug, c => c.SendEmails(new SendEmailsCommand(b.IdempotencyKey!.Trim(), b.Method!.Value,
                    b.PostalCode, b.SenderName, b.SenderEmail, b.Recipients!.Select(r => new EmailRecipient(r.Email!, r.Name, r.Title, r.Level)).ToList(),
                    b.Subject, b.Body, AccessRules.UserIdOf(http.User), ClientIp(http))));
                return TypedResults.Accepted($"/api/public/campaigns/{slug}", new CampaignEmailsAccepted(result.Emails));
            });
        }).Produces<CampaignEmailsAccepted>(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        publicCampaigns.MapPost("/{slug}/calls", async (string slug, Body<RecordCallRequest> body, HttpContext http, CampaignSlugs slugs,
            AbuseLimits limits) =>
        {
            var b = body.Value;
            var validation = new Validation();
            validation.Required("representativeName", b.RepresentativeName, InfluenceRules.NameMaxLength);
            validation.MaxLength("representativeTitle", b.RepresentativeTitle, InfluenceRules.NameMaxLength);
            validation.Required("phoneNumber", b.PhoneNumber, 50);
            validation.MaxLength("officeType", b.OfficeType, 100);
            validation.MaxLength("callerName", b.CallerName, InfluenceRules.NameMaxLength);
            if (b.CallerEmail is not null) validation.Email("callerEmail", b.CallerEmail);
            if (b.PostalCode is not null && PostalCode.Normalize(b.PostalCode) is null) validation.Add("postalCode", "must be a Canadian postal code.");
            validation.ThrowIfInvalid();
            await limits.EnforcePerIpAsync("campaign-call", http, perIpPerMinute);
            var call = await slugs.With(slug, c => c.RecordCall(new RecordCallCommand(b.RepresentativeName!, b.RepresentativeTitle, b.PhoneNumber!,
                b.OfficeType, b.CallerName, b.CallerEmail, b.PostalCode, ClientIp(http))));
            return TypedResults.Created($"/api/public/campaigns/{slug}/calls/{call.Id}", call);
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests);

        // ---------------------------------------------------------------------------------------------------------
        // Representatives and postal codes
        // ---------------------------------------------------------------------------------------------------------
        // Answered from this frontend's copy while fresh (RepresentativeAnswers), else by the code's grain.
        app.MapPost("/api/public/representatives/lookup", async (Body<LookupRequest> body, HttpContext http, RepresentativeAnswers answers) =>
        {
            var code = PostalCodeOf(body.Value.PostalCode);
            return await Upstream(http, () => answers.Lookup(code));
        }).Produces<PublicLookup>().WithTags("Influence").AllowAnonymous().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        var representatives = app.MapGroup("/api/representatives").WithTags("Influence").RequireAuthorization(admin);
        representatives.MapGet("/", (HttpContext http, IClusterClient cluster, string? postalCode) =>
        {
            if (postalCode is not null) PostalCodeOf(postalCode);
            return cluster.GetGrain<IInfluenceQueryGrain>(0).RepresentativeCache(postalCode, Paging.From(http.Request));
        }).ProducesValidationProblem();
        representatives.MapDelete("/cache", async (IClusterClient cluster, string? postalCode) =>
        {
            if (postalCode is not null) PostalCodeOf(postalCode);
            var cleared = await cluster.GetGrain<IInfluenceQueryGrain>(0).ClearRepresentativeCache(postalCode);
            return TypedResults.Ok(new RepresentativeCacheCleared(cleared.Count, cleared));
        }).ProducesValidationProblem();
        representatives.MapGet("/health", (IClusterClient cluster) => cluster.GetGrain<IInfluenceQueryGrain>(0).UpstreamHealth())
            .ProducesAuthProblems();

        var postalCodes = app.MapGroup("/api/postal-codes").WithTags("Influence").RequireAuthorization(admin);
        postalCodes.MapGet("/stats", (IClusterClient cluster) => cluster.GetGrain<IInfluenceQueryGrain>(0).PostalCodeStats())
            .ProducesAuthProblems();
        postalCodes.MapPost("/lookup", async (Body<LookupRequest> body, HttpContext http, IClusterClient cluster) =>
        {
            var code = PostalCodeOf(body.Value.PostalCode);
            return await Upstream(http, async () => TypedResults.Ok(await cluster.GetGrain<IPostalCodeGrain>(code).Lookup()));
        }).Produces<RepresentativeLookup>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        // ---------------------------------------------------------------------------------------------------------
        // Response wall
        // ---------------------------------------------------------------------------------------------------------
        var publicResponses = app.MapGroup("/api/public/responses").WithTags("Influence").AllowAnonymous();

        publicResponses.MapPost("/", async (Body<SubmitResponseRequest> body, HttpContext http, CampaignSlugs slugs, AbuseLimits limits,
            FrontendSettings frontend) =>
        {
            var b = body.Value;
            var validation = new Validation();
            validation.Required("campaignSlug", b.CampaignSlug, InfluenceRules.SlugMaxLength + 20);
            validation.Required("representativeName", b.RepresentativeName, InfluenceRules.NameMaxLength);
            validation.MaxLength("representativeTitle", b.RepresentativeTitle, InfluenceRules.NameMaxLength);
            validation.Required("representativeLevel", b.RepresentativeLevel);
            if (b.RepresentativeEmail is not null) validation.Email("representativeEmail", b.RepresentativeEmail);
            validation.Required("responseType", b.ResponseType);
            validation.Required("responseText", b.ResponseText, InfluenceRules.BodyMaxLength);
            validation.MaxLength("userComment", b.UserComment, InfluenceRules.TextMaxLength);
            validation.MaxLength("submittedByName", b.SubmittedByName, InfluenceRules.NameMaxLength);
            if (b.SubmittedByEmail is not null) validation.Email("submittedByEmail", b.SubmittedByEmail);
            validation.ThrowIfInvalid();
            await limits.EnforcePerIpAsync("response-submit", http, perIpPerMinute);
            var submitted = await slugs.With(b.CampaignSlug!.Trim(), c => c.SubmitResponse(new SubmitResponseCommand(b.RepresentativeName!,
                b.RepresentativeTitle, b.RepresentativeLevel!.Value, b.RepresentativeEmail, b.ResponseType!.Value, b.ResponseText!, b.UserComment,
                b.SubmittedByName, b.SubmittedByEmail, b.IsAnonymous ?? false, AccessRules.UserIdOf(http.User), ClientIp(http),
                frontend.PublicBaseUrl)));
            return TypedResults.Created($"/api/public/responses/{submitted.Id}", submitted);
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        publicResponses.MapGet("/verify/{token}", (string token, IClusterClient cluster) => UseToken(cluster, token, verify: true))
            .Produces<string>(StatusCodes.Status200OK, "text/html")
            .Produces<string>(StatusCodes.Status404NotFound, "text/html")
            .Produces<string>(StatusCodes.Status410Gone, "text/html");
        publicResponses.MapGet("/report/{token}", (string token, IClusterClient cluster) => UseToken(cluster, token, verify: false))
            .Produces<string>(StatusCodes.Status200OK, "text/html")
            .Produces<string>(StatusCodes.Status404NotFound, "text/html")
            .Produces<string>(StatusCodes.Status410Gone, "text/html");

        publicResponses.MapGet("/{campaignSlug}", async (string campaignSlug, string? sort, HttpContext http, CampaignSlugs slugs,
            IClusterClient cluster) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            ResponseSort order = ResponseSort.Recent;
            if (!string.IsNullOrEmpty(sort) && !Enum.TryParse(sort, ignoreCase: true, out order))
                validation.Add("sort", "must be one of: recent, upvotes, verified.");
            validation.ThrowIfInvalid();
            var campaign = await slugs.With(campaignSlug, c => c.GetPublic());
            if (!campaign.ShowResponseWall) throw DomainException.NotFound("The response wall");
            return TypedResults.Ok(await cluster.GetGrain<IInfluenceQueryGrain>(0).PublicResponses(campaign.Id, order, page));
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        publicResponses.MapPost("/{id:guid}/upvote", async (Guid id, HttpContext http, IClusterClient cluster) =>
        {
            var user = AccessRules.UserIdOf(http.User);
            var result = await cluster.GetGrain<IResponseGrain>(id).Upvote(user, http.User.FindFirst(AccessRules.EmailClaim)?.Value, ClientIp(http));
            return TypedResults.Ok(result);
        }).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var responses = app.MapGroup("/api/responses").WithTags("Influence").RequireAuthorization(admin);
        responses.MapGet("/", (HttpContext http, IClusterClient cluster, string? campaignId, string? status) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var campaign = QueryGuid.Parse(validation, "campaignId", campaignId);
            var statusFilter = QueryEnum.Parse<ResponseStatus>(validation, "status", status);
            validation.ThrowIfInvalid();
            return cluster.GetGrain<IInfluenceQueryGrain>(0).Responses(campaign, statusFilter, page);
        }).ProducesValidationProblem();
        responses.MapPost("/{id:guid}/approve", (Guid id, IClusterClient cluster) => cluster.GetGrain<IResponseGrain>(id).Moderate(ResponseStatus.Approved))
            .ProducesProblem(StatusCodes.Status404NotFound);
        responses.MapPost("/{id:guid}/reject", (Guid id, IClusterClient cluster) => cluster.GetGrain<IResponseGrain>(id).Moderate(ResponseStatus.Rejected))
            .ProducesProblem(StatusCodes.Status404NotFound);
        responses.MapPost("/{id:guid}/verify", (Guid id, HttpContext http, IClusterClient cluster) =>
                cluster.GetGrain<IResponseGrain>(id).MarkVerified(http.User.FindFirst(AccessRules.EmailClaim)?.Value ?? "admin"))
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    private static bool IsAdmin(ClaimsPrincipal user) => AccessRules.CanAdminister(user, AdminApp.Influence);

    private static CampaignActor Actor(HttpContext http) => new(AuthEndpoints.CurrentUser(http), IsAdmin(http.User));

    private static string? ClientIp(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();

    private static string PostalCodeOf(string? raw)
    {
        var validation = new Validation();
        if (string.IsNullOrWhiteSpace(raw)) validation.Add("postalCode", "is required.");
        else if (PostalCode.Normalize(raw) is null) validation.Add("postalCode", "must be a Canadian postal code such as K1A 0A6.");
        validation.ThrowIfInvalid();
        return PostalCode.Normalize(raw)!;
    }

    private static void CoverPhoto(Validation validation, string? coverPhoto)
    {
        if (string.IsNullOrEmpty(coverPhoto)) return;
        if (!validation.MaxLength("coverPhoto", coverPhoto, InfluenceRules.UrlMaxLength)) return;
        if (!Uri.TryCreate(coverPhoto, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            validation.Add("coverPhoto", "must be an http or https URL.");
    }

    private static void CheckRecipientText(Validation validation, CustomRecipientRequest b)
    {
        validation.MaxLength("recipientTitle", b.RecipientTitle, InfluenceRules.NameMaxLength);
        validation.MaxLength("recipientOrganization", b.RecipientOrganization, InfluenceRules.NameMaxLength);
        validation.MaxLength("notes", b.Notes, InfluenceRules.TextMaxLength);
    }

    private static CustomRecipientFields Fields(CustomRecipientRequest b) =>
        new(b.RecipientName, b.RecipientEmail, b.RecipientTitle, b.RecipientOrganization, b.Notes, b.IsActive);

    /// <summary>Represent unavailable with nothing cached: 503 with <c>Retry-After</c> (not the 429 of a caller's own limit).</summary>
    private static async Task<IResult> Upstream(HttpContext http, Func<Task<IResult>> call)
    {
        try
        {
            return await call();
        }
        catch (DomainException ex) when (ex.Extensions.ContainsKey("upstream"))
        {
            http.Response.Headers.RetryAfter = ex.Extensions.GetValueOrDefault("retryAfterSeconds") ?? "30";
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service unavailable", detail: ex.Message);
        }
    }

    private static async Task<IResult> UseToken(IClusterClient cluster, string token, bool verify)
    {
        var outcome = TokenOutcome.Unknown;
        if (token.Length is > 0 and <= 100 && await cluster.GetGrain<IInfluenceQueryGrain>(0).ResponseIdByToken(token, verify) is { } id)
            outcome = await cluster.GetGrain<IResponseGrain>(id).UseToken(token, verify);
        var (title, message) = outcome switch
        {
            TokenOutcome.Verified => ("Response verified", "Thank you: the response now carries a verified badge on the campaign's response wall."),
            TokenOutcome.Reported => ("Response reported", "Thank you: the response has been taken off the wall and flagged for the campaign's moderators."),
            TokenOutcome.AlreadyUsed => ("Link already used", "This link has already been used; each verification request can be answered once."),
            TokenOutcome.Expired => ("Link expired", "This link has expired: links are valid for 30 days."),
            _ => ("Link not recognised", "This link is not valid. Check that the whole address was copied."),
        };
        var html = $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{WebUtility.HtmlEncode(title)}</title></head>
            <body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem">
            <h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(message)}</p>
            </body></html>
            """;
        var status = outcome switch
        {
            TokenOutcome.Verified or TokenOutcome.Reported => StatusCodes.Status200OK,
            TokenOutcome.Unknown => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status410Gone,
        };
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}

/// <summary>The public lookup's answer: the normalised code, its representatives, and whether they come from an old cache.</summary>
public sealed record PublicLookup(string PostalCode, IReadOnlyList<RepresentativeView> Representatives, bool Stale);

/// <summary>
/// The public routes name campaigns by slug; a slug never changes, so each frontend remembers which campaign it names.
/// A remembered campaign that answers "not found" (deleted, and its slug perhaps taken again) is looked up afresh once.
/// </summary>
public sealed class CampaignSlugs(IClusterClient cluster)
{
    private readonly ConcurrentDictionary<string, Guid> _ids = new(StringComparer.Ordinal);

    public async Task<T> With<T>(string slug, Func<ICampaignGrain, Task<T>> call)
    {
        if (slug.Length > 200) throw DomainException.NotFound("The campaign");
        var remembered = _ids.TryGetValue(slug, out var id);
        if (!remembered)
        {
            id = await cluster.GetGrain<IInfluenceQueryGrain>(0).CampaignIdBySlug(slug) ?? throw DomainException.NotFound("The campaign");
            _ids[slug] = id;
        }
        try
        {
            return await call(cluster.GetGrain<ICampaignGrain>(id));
        }
        catch (DomainException ex) when (remembered && ex.Kind == DomainErrorKind.NotFound && ex.Message.StartsWith("The campaign", StringComparison.Ordinal))
        {
            _ids.TryRemove(slug, out _);
            var fresh = await cluster.GetGrain<IInfluenceQueryGrain>(0).CampaignIdBySlug(slug);
            if (fresh is null || fresh == id) throw;
            _ids[slug] = fresh.Value;
            return await call(cluster.GetGrain<ICampaignGrain>(fresh.Value));
        }
    }
}

/// <summary>What clearing the representative cache removed: how many postal codes, and which.</summary>
public sealed record RepresentativeCacheCleared(int Cleared, IReadOnlyList<string> PostalCodes);

/// <summary>A public send's answer: each recipient's email, new or, for a repeated idempotency key, the one sent before.</summary>
public sealed record CampaignEmailsAccepted(IReadOnlyList<SentEmail> Emails);
