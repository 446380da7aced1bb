using System.Collections;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace ChangemakerLite.WebFrontend.Tests.Platform;

/// <summary>
/// Every string a client can send, on every write route: the routes and their body records are read from the app's own
/// endpoints (each route taking a JSON body declares its record), so a route added later is covered without a line here.
/// Into each string field, at any depth (lists, nested records, free JSON), goes each kind of odd string: NUL and
/// unpaired surrogates must be refused with a 400 naming that field; control characters, marks and emoji, and a very
/// long string must never break the server (stored, or refused with a 4xx). Query parameters and route values too.
/// </summary>
public sealed class RequestStringTests : ClusterTest
{
    private const string Placeholder = "\u2063odd\u2063";

    /// <summary>Odd strings as JSON string literals, and whether each must be refused naming its field.</summary>
    private static readonly (string Kind, string Literal, bool Refused)[] OddStrings =
    [
        ("NUL", "\"a\\u0000b\"", true),
        ("only NUL", "\"\\u0000\"", true),
        ("unpaired high surrogate", "\"x\\ud800y\"", true),
        ("unpaired low surrogate", "\"\\udc00\"", true),
        ("surrogates the wrong way round", "\"\\udc00\\ud800\"", true),
        ("control characters, marks and emoji", JsonSerializer.Serialize("\u0001\u0007\b\t\n\r\u001b\u007f\u0085\u00a0\u2028\u2029\u200b\u200f\u202e\ufeff\ufffd😀 <b>&amp;'\"\\"), false),
        ("a long string", JsonSerializer.Serialize(new string('x', 200_000)), false),
    ];

    private static readonly string[] WriteMethods = ["POST", "PUT", "PATCH", "DELETE"];

    [Fact]
    public async Task Every_string_field_of_every_write_route_is_stored_or_refused_naming_the_field_never_a_500()
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        using var http = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, admin.Id, admin.Email, UserRole.SuperAdmin));
        var routes = WriteRoutesWithBodies();
        Assert.True(routes.Count > 40, $"only {routes.Count} write routes with a JSON body found");

        var failures = new List<string>();
        var cases = 0;
        foreach (var (method, path, bodyType) in routes)
        {
            var fields = new List<string>();
            Sample(bodyType, "", null, fields, 0);
            foreach (var field in fields)
                foreach (var (kind, literal, refused) in OddStrings)
                {
                    cases++;
                    var json = Sample(bodyType, "", field, [], 0)!.ToJsonString().Replace(JsonSerializer.Serialize(Placeholder), literal);
                    using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
                    HttpResponseMessage response;
                    try
                    {
                        response = await http.SendAsync(request);
                    }
                    catch (ServerErrorException error)
                    {
                        failures.Add($"{method} {path} {field} ({kind}): {error.Message[..Math.Min(300, error.Message.Length)]}");
                        continue;
                    }
                    using (response)
                    {
                        var text = await response.Content.ReadAsStringAsync();
                        if (refused)
                        {
                            if (response.StatusCode != HttpStatusCode.BadRequest || !NamesField(text, field))
                                failures.Add($"{method} {path} {field} ({kind}): expected a 400 naming '{field}', got {(int)response.StatusCode} {Cut(text)}");
                        }
                        else if ((int)response.StatusCode >= 500)
                            failures.Add($"{method} {path} {field} ({kind}): {(int)response.StatusCode} {Cut(text)}");
                    }
                }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} cases failed:\n" + string.Join("\n", failures.Take(60)));
    }

    [Theory]
    [InlineData("/api/users?search=a%00b", "search")]
    [InlineData("/api/users?search=%ED%A0%80%00", "search")]
    [InlineData("/api/map/locations?search=%00", "search")]
    [InlineData("/api/public/campaigns/a%00b", "slug")]
    public async Task A_NUL_in_a_query_parameter_or_route_value_is_a_400_naming_it(string url, string parameter)
    {
        var admin = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        using var http = Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, admin.Id, admin.Email, UserRole.SuperAdmin));
        using var response = await http.GetAsync(url);
        if (parameter == "slug")
        {
            // Kestrel may refuse a NUL in the path itself; either way a 400, never a 500.
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return;
        }
        await Problem.Expect(response, HttpStatusCode.BadRequest, parameter);
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] : text;

    private static bool NamesField(string problem, string field)
    {
        try
        {
            using var doc = JsonDocument.Parse(problem);
            return doc.RootElement.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Each write route that reads a JSON body: its method, a request path (made-up ids), and its body's record.</summary>
    private List<(string Method, string Path, Type Body)> WriteRoutesWithBodies()
    {
        var app = Cluster.Frontends[0]!;
        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e =>
            {
                var accepts = e.Metadata.GetMetadata<IAcceptsMetadata>();
                var methods = e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
                if (accepts?.RequestType is not { } body || !accepts.ContentTypes.Any(c => c.Contains("json"))) return [];
                return methods.Where(WriteMethods.Contains).Select(m => (m, PathOf(e.RoutePattern), body));
            })
            .Distinct().OrderBy(r => r.Item2).ThenBy(r => r.m).ToList();
    }

    private static string PathOf(RoutePattern pattern) =>
        "/" + string.Join("/", pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => parameter.ParameterPolicies.Any(p => p.Content is "guid") ? Guid.NewGuid().ToString()
                : parameter.ParameterPolicies.Any(p => p.Content is "int" or "long") ? "1" : "sample",
            _ => "",
        }))));

    /// <summary>
    /// A plausible JSON value of <paramref name="type"/>. Each string field's path is added to <paramref name="fields"/>;
    /// the one named <paramref name="target"/> gets the placeholder the odd string replaces.
    /// </summary>
    private static JsonNode? Sample(Type type, string path, string? target, List<string> fields, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            fields.Add(path);
            return path == target ? Placeholder : PlausibleText(path);
        }
        if (type == typeof(JsonElement) || type == typeof(JsonNode) || type == typeof(JsonObject))
        {
            // Free JSON (permissions, settings, GeoJSON): an odd string as a value inside it.
            var inner = path + ".note";
            fields.Add(inner);
            return new JsonObject { ["note"] = inner == target ? Placeholder : "text" };
        }
        if (type == typeof(Guid)) return Guid.NewGuid().ToString();
        if (type == typeof(bool)) return false;
        if (type == typeof(int) || type == typeof(long) || type == typeof(short)) return 1;
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return 1.5;
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime)) return DateTimeOffset.UtcNow.AddDays(3).ToString("O");
        if (type == typeof(DateOnly)) return DateOnly.FromDateTime(DateTime.UtcNow.AddDays(3)).ToString("yyyy-MM-dd");
        if (type == typeof(TimeOnly)) return "10:00:00";
        if (type == typeof(TimeSpan)) return "00:30:00";
        if (type.IsEnum) return EnumWireNames.ToWireName(Enum.GetValues(type).GetValue(0)!.ToString()!, EnumWireNames.UsesLowerCase(type));
        if (depth > 4) return null;
        if (type.IsArray || (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type)))
        {
            var arguments = type.IsArray ? [type.GetElementType()!] : type.GetGenericArguments();
            if (arguments.Length == 2)
                return new JsonObject { ["key"] = Sample(arguments[1], path + ".key", target, fields, depth + 1) };
            return new JsonArray(Sample(arguments[0], path + "[0]", target, fields, depth + 1));
        }
        var result = new JsonObject();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetCustomAttribute<JsonIgnoreAttribute>() is not null) continue;
            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            result[name] = Sample(property.PropertyType, path.Length == 0 ? name : $"{path}.{name}", target, fields, depth + 1);
        }
        return result;
    }

    private static string PlausibleText(string path)
    {
        var name = path.ToLowerInvariant();
        if (name.EndsWith("email")) return $"someone-{Guid.NewGuid():N}@example.org";
        if (name.Contains("password")) return "Plausible-Password-123";
        if (name.Contains("slug")) return $"slug-{Guid.NewGuid():N}"[..20];
        if (name.Contains("url")) return "https://example.org/page";
        if (name.Contains("color") || name.Contains("colour")) return "#336699";
        if (name.Contains("postal")) return "T5K 2J1";
        if (name.Contains("phone")) return "780-555-0100";
        return "text";
    }
}
