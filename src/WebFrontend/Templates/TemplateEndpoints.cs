using System.Text.Json;
using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Templates;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Templates;

public static partial class TemplateEndpoints
{
    public const int MaxContentLength = 200_000;
    public const int MaxVariables = 100;

    public sealed record TemplateVariableRequest(string? Key, string? Label, bool? IsRequired, string? SampleValue, string? Description, bool? IsConditional);

    public sealed record CreateTemplateRequest(string? Key, string? Name, string? Description, EmailTemplateCategory? Category, string? SubjectLine,
        string? HtmlContent, string? TextContent, List<TemplateVariableRequest>? Variables, bool? IsActive);

    /// <summary>A partial edit; a change of subject, HTML or text makes a new version carrying <c>changeNotes</c>.</summary>
    public sealed record UpdateTemplateRequest(string? Name, string? Description, EmailTemplateCategory? Category, string? SubjectLine,
        string? HtmlContent, string? TextContent, List<TemplateVariableRequest>? Variables, bool? IsActive, string? ChangeNotes);

    /// <summary>Values for the template's variables (sample values fill what is missing) and, for a test send, the recipient (the caller by default).</summary>
    public sealed record RenderRequest(Dictionary<string, JsonElement>? Data, string? To);

    public static IServiceCollection AddTemplatesFrontend(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapTemplateEndpoints(this IEndpointRouteBuilder app)
    {
        var templates = app.MapGroup("/api/email-templates").WithTags("Templates").RequireAuthorization(Policies.SuperAdmin);

        templates.MapGet("/", async (HttpContext http, IClusterClient cluster, string? category, string? search) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            var parsed = QueryEnum.Parse<EmailTemplateCategory>(validation, "category", category);
            validation.MaxLength("search", search, 200);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<ITemplateQueryGrain>(0).List(new TemplateFilter(parsed, search), page));
        }).ProducesValidationProblem().WithSummary("Templates, filtered by category and a search of key, name and description.");

        templates.MapPost("/", async (Body<CreateTemplateRequest> body, HttpContext http, IClusterClient cluster) =>
        {
            var b = body.Value;
            var validation = new Validation();
            if (validation.Required("key", b.Key, 100) && !KeyPattern().IsMatch(b.Key!))
                validation.Add("key", "must be lower case letters, digits and hyphens, starting with a letter (e.g. campaign-email).");
            validation.Required("name", b.Name, 200);
            validation.MaxLength("description", b.Description, 2000);
            if (b.Category is null) validation.Add("category", "is required.");
            validation.Required("subjectLine", b.SubjectLine, 500);
            if (validation.Required("htmlContent", b.HtmlContent, MaxContentLength)) { }
            if (validation.Required("textContent", b.TextContent, MaxContentLength)) { }
            var variables = Variables(validation, b.Variables) ?? [];
            validation.ThrowIfInvalid();
            var id = Ids.New();
            var created = await cluster.GetGrain<IEmailTemplateGrain>(id).Create(new CreateTemplateCommand(b.Key!, b.Name!.Trim(), Blank(b.Description),
                b.Category!.Value, b.SubjectLine!, b.HtmlContent!, b.TextContent!, variables, b.IsActive ?? true, AuthEndpoints.CurrentUser(http)));
            return TypedResults.Created($"/api/email-templates/{id}", created);
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Creates a template with its first version.");

        templates.MapGet("/{id:guid}", async (Guid id, IClusterClient cluster) => TypedResults.Ok(await cluster.GetGrain<IEmailTemplateGrain>(id).Get()))
            .ProducesProblem(StatusCodes.Status404NotFound);

        templates.MapPatch("/{id:guid}", async (Guid id, Body<UpdateTemplateRequest> body, HttpContext http, IClusterClient cluster) =>
        {
            var b = body.Value;
            var validation = new Validation();
            if (b.Name is not null) validation.Required("name", b.Name, 200);
            validation.MaxLength("description", b.Description, 2000);
            if (b.SubjectLine is not null) validation.Required("subjectLine", b.SubjectLine, 500);
            if (b.HtmlContent is not null) validation.Required("htmlContent", b.HtmlContent, MaxContentLength);
            if (b.TextContent is not null) validation.Required("textContent", b.TextContent, MaxContentLength);
            validation.MaxLength("changeNotes", b.ChangeNotes, 2000);
            var variables = Variables(validation, b.Variables);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<IEmailTemplateGrain>(id).Update(new UpdateTemplateCommand(b.Name?.Trim(), b.Description,
                b.Category, b.SubjectLine, b.HtmlContent, b.TextContent, variables, b.IsActive, Blank(b.ChangeNotes), AuthEndpoints.CurrentUser(http))));
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        templates.MapDelete("/{id:guid}", async (Guid id, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IEmailTemplateGrain>(id).Delete();
            return TypedResults.NoContent();
        }).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Deletes a template; a system template cannot be deleted (409).");

        templates.MapGet("/{id:guid}/versions", async (Guid id, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<IEmailTemplateGrain>(id).Versions())).ProducesProblem(StatusCodes.Status404NotFound);

        templates.MapPost("/{id:guid}/versions/{number:int}/restore", async (Guid id, int number, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<IEmailTemplateGrain>(id).Restore(number, AuthEndpoints.CurrentUser(http))))
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Makes a new version with the content of an old one.");

        templates.MapPost("/{id:guid}/validate", async (Guid id, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<IEmailTemplateGrain>(id).Validate())).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Variables used but not declared, required ones unused, unbalanced blocks, syntax errors with their line.");

        templates.MapPost("/{id:guid}/preview", async (Guid id, HttpRequest request, IClusterClient cluster) =>
        {
            var body = await ReadOptional(request);
            var validation = new Validation();
            var data = Data(validation, body?.Data);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<IEmailTemplateGrain>(id).Preview(data));
        }).Accepts<RenderRequest>("application/json").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        templates.MapPost("/{id:guid}/test-send", async (Guid id, HttpContext http, IClusterClient cluster) =>
        {
            var body = await ReadOptional(http.Request);
            var validation = new Validation();
            var data = Data(validation, body?.Data);
            var to = string.IsNullOrWhiteSpace(body?.To) ? http.User.FindFirst(AccessRules.EmailClaim)?.Value : body.To.Trim();
            validation.Email("to", to);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<IEmailTemplateGrain>(id).TestSend(to!, data, AuthEndpoints.CurrentUser(http)));
        }).Accepts<RenderRequest>("application/json").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Renders and sends the template at once through the SMTP relay; logged with its outcome, which is answered.");
        return app;
    }

    private static async Task<RenderRequest?> ReadOptional(HttpRequest request)
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.HasJsonContentType())) return null;
        return await RequestJson.ReadAsync<RenderRequest>(request);
    }

    /// <summary>Variable values as text: strings as they are, numbers and booleans in their JSON spelling, null as missing.</summary>
    private static Dictionary<string, string?>? Data(Validation validation, Dictionary<string, JsonElement>? data)
    {
        if (data is null) return null;
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in data)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String: values[key] = value.GetString(); break;
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False: values[key] = value.GetRawText(); break;
                case JsonValueKind.Null: values[key] = null; break;
                default: validation.Add($"data.{key}", "must be a string, number, boolean or null."); break;
            }
            if (values.TryGetValue(key, out var text) && text is { Length: > 10_000 }) validation.Add($"data.{key}", "must be at most 10000 characters.");
        }
        return values;
    }

    private static List<TemplateVariable>? Variables(Validation validation, List<TemplateVariableRequest>? variables)
    {
        if (variables is null) return null;
        if (variables.Count > MaxVariables) validation.Add("variables", $"must have at most {MaxVariables} entries.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<TemplateVariable>();
        for (var i = 0; i < variables.Count; i++)
        {
            var v = variables[i];
            var field = $"variables[{i}]";
            if (v is null) { validation.Add(field, "must be an object."); continue; }
            if (validation.Required($"{field}.key", v.Key, 100) && !VariablePattern().IsMatch(v.Key!))
                validation.Add($"{field}.key", "must be UPPERCASE_WITH_UNDERSCORES (e.g. RECIPIENT_NAME).");
            else if (v.Key is not null && !seen.Add(v.Key)) validation.Add($"{field}.key", "is declared twice.");
            validation.MaxLength($"{field}.label", v.Label, 200);
            validation.MaxLength($"{field}.sampleValue", v.SampleValue, 10_000);
            validation.MaxLength($"{field}.description", v.Description, 2000);
            result.Add(new TemplateVariable(v.Key ?? "", string.IsNullOrWhiteSpace(v.Label) ? v.Key ?? "" : v.Label.Trim(), v.IsRequired ?? false,
                v.SampleValue, Blank(v.Description), v.IsConditional ?? false));
        }
        return result;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$")]
    private static partial Regex VariablePattern();
}
