using System.Net;
using System.Text.Json;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Platform;

/// <summary>
/// The OpenAPI document describes every route as built: its JSON request body, its success answer and its problem
/// answers each carry a schema, so the interactive reference at /docs and generated clients show what a route takes
/// and gives.
/// </summary>
public sealed class OpenApiDocumentTests : ClusterTest
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    /// <summary>Answers 200 whenever the process runs: there is no error for it to declare.</summary>
    // Routes that take no input and need no sign-in have no error to declare: liveness, the public site settings and
    // clearing the dashboard cookie.
    private static readonly HashSet<string> RoutesWithoutErrors = ["/health/live", "/api/public/settings", "/api/dashboard/session",
        // The web UI's pages, service worker and config (docs/api/web.md): fixed answers that take no input they could refuse.
        "/api/web/config", "/", "/campaigns/{slug}", "/shifts/{id}", "/volunteer", "/app", "/volunteer-sw.js", "/media", "/media/{id}"];

    [Fact]
    public async Task Every_route_declares_the_schemas_of_its_body_its_success_and_its_errors()
    {
        using var http = Cluster.Http();
        var response = await http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;

        var problems = new List<string>();
        var operations = 0;
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            if (path.Name.StartsWith("/hubs/", StringComparison.Ordinal) || path.Name.StartsWith("/openapi", StringComparison.Ordinal) ||
                path.Name.StartsWith("/docs", StringComparison.Ordinal))
                continue;
            foreach (var operation in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                operations++;
                var route = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var op = operation.Value;

                if (op.TryGetProperty("requestBody", out var requestBody))
                {
                    if (!requestBody.TryGetProperty("content", out var content) || !content.EnumerateObject().Any())
                        problems.Add($"{route}: a request body without content");
                    else if (content.TryGetProperty("application/json", out var json) && !HasSchema(root, json))
                        problems.Add($"{route}: the JSON request body has no schema");
                }

                var responses = op.GetProperty("responses").EnumerateObject().ToList();
                var successes = responses.Where(r => r.Name.StartsWith('2')).ToList();
                if (successes.Count == 0) problems.Add($"{route}: no success answer");
                foreach (var success in successes)
                {
                    // 202 and 204 may carry no body; a body that is declared must say what it holds.
                    if (!success.Value.TryGetProperty("content", out var content)) continue;
                    foreach (var media in content.EnumerateObject())
                        if (!HasSchema(root, media.Value)) problems.Add($"{route}: the {success.Name} answer ({media.Name}) has no schema");
                    if (success.Name is "200" or "201" && !content.EnumerateObject().Any())
                        problems.Add($"{route}: the {success.Name} answer declares no content");
                }

                var errors = responses.Where(r => r.Name[0] is '4' or '5').ToList();
                if (errors.Count == 0 && !RoutesWithoutErrors.Contains(path.Name)) problems.Add($"{route}: no error answer is declared");
                foreach (var error in errors)
                {
                    if (!error.Value.TryGetProperty("content", out var content) || !content.EnumerateObject().Any(m => HasSchema(root, m.Value)))
                        problems.Add($"{route}: the {error.Name} answer has no schema");
                }
            }
        }
        Assert.True(operations > 50, $"only {operations} operations were described");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task The_interactive_reference_is_served_at_docs_and_reads_the_document()
    {
        using var http = Cluster.Http();
        var response = await http.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = await response.Content.ReadAsStringAsync();
        Assert.True(page.Contains("openapi/v1.json", StringComparison.Ordinal), page);
    }

    /// <summary>A media type whose schema says something: a reference, a type, properties or a composition.</summary>
    private static bool HasSchema(JsonElement root, JsonElement media)
    {
        if (!media.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object) return false;
        if (schema.TryGetProperty("$ref", out var reference))
        {
            // "#/components/schemas/Name": the component must exist.
            var name = reference.GetString()!.Split('/').Last();
            return root.GetProperty("components").GetProperty("schemas").TryGetProperty(name, out _);
        }
        return schema.TryGetProperty("type", out _) || schema.TryGetProperty("properties", out _) ||
               schema.TryGetProperty("allOf", out _) || schema.TryGetProperty("oneOf", out _) || schema.TryGetProperty("anyOf", out _);
    }
}
