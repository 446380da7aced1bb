using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

/// <summary>
/// Every endpoint of every module (their IAuthorizationRows) against every role: callers it admits get
/// past the gate (never with a 5xx), everyone else gets a problem+json 401 without a token and 403 with one. Every
/// route the app serves must have its rows: <see cref="Every_route_the_app_serves_has_a_matrix_row"/>.
/// </summary>
public sealed class AuthorizationMatrixTests : ClusterTest
{
    private readonly Dictionary<UserRole, string> _tokens = new();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var role in Enum.GetValues<UserRole>())
        {
            var user = await TestUsers.CreateAsync(Db, role);
            _tokens[role] = TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, role);
        }
    }

    public static TheoryData<string, string> Endpoints()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in AllRows()) data.Add(row.Method, row.Path);
        return data;
    }

    private static IEnumerable<EndpointAccess> AllRows() =>
        typeof(AuthorizationMatrixTests).Assembly.GetTypes()
            .Where(t => typeof(IAuthorizationRows).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .SelectMany(t => ((IAuthorizationRows)Activator.CreateInstance(t)!).Rows);

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Each_role_gets_the_answer_it_should(string method, string path)
    {
        var row = AllRows().Single(r => r.Method == method && r.Path == path);
        var failures = new List<string>();

        await Check(row, null, row.Anonymous, failures);
        foreach (var role in Enum.GetValues<UserRole>())
            await Check(row, _tokens[role], row.Anonymous || row.Allowed.Contains(role), failures, role.ToString());
        Assert.True(failures.Count == 0, $"{row}: {string.Join("; ", failures)}");
    }

    private async Task Check(EndpointAccess row, string? token, bool allowed, List<string> failures, string who = "anonymous")
    {
        using var response = await Send(row, token);
        try
        {
            if (!allowed)
                await Problem.Expect(response, token is null ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden);
            else if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                failures.Add($"{who} should pass but got {(int)response.StatusCode}");
            else
                await Problem.NoServerError(response, row.AnswersHtml);
        }
        catch (Exception ex) when (ex is Xunit.Sdk.XunitException)
        {
            failures.Add($"{who}: {ex.Message}");
        }
    }

    /// <summary>
    /// Routes no matrix row needs: the live hub (its own token check, tested with the hub), the API's description,
    /// health, and the Orleans dashboard's own data routes, every one behind the dashboard cookie (OperationsEndpointTests).
    /// </summary>
    private static readonly string[] ExemptRoutes =
        ["/hubs/live", "/hubs/live/negotiate", "/openapi/{}.json", "/health/live", "/health/ready"];
    private static readonly string[] ExemptPrefixes = ["/docs", "/dashboard"];

    [Fact]
    public void Every_route_the_app_serves_has_a_matrix_row()
    {
        var app = Cluster.Frontends[0]!;
        var served = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (Method: m, Path: Shape(e.RoutePattern))))
            .Distinct().ToList();
        Assert.True(served.Count > 30, $"only {served.Count} routes found: {string.Join(", ", served)}");
        // A row's path is a request (a made-up id, a query): it covers the route it would reach.
        var rows = AllRows().Select(r => (r.Method, Path: Shape(r.Path.Split('?')[0]))).ToHashSet();
        bool Covers(string requestPath, string routeShape) =>
            Regex.IsMatch(requestPath, "^" + Regex.Escape(routeShape).Replace(@"\{}", "[^/]+") + "$");

        bool Exempt(string path) => ExemptRoutes.Contains(path) || ExemptPrefixes.Any(p => path == p || path.StartsWith(p + "/"));
        var unchecked_ = served.Where(r => !Exempt(r.Path) && !rows.Any(row => row.Method == r.Method && Covers(row.Path, r.Path)))
            .Select(r => $"{r.Method} {r.Path}").Order().ToList();
        Assert.True(unchecked_.Count == 0, "Routes without a row in any IAuthorizationRows (add them to tests/WebFrontend.Tests/<Module>/<Module>AuthorizationRows.cs): "
            + string.Join(", ", unchecked_));

        // And no row checks a route that is not there (it would pass on 404s and prove nothing).
        var stale = rows.Where(row => !served.Any(r => r.Method == row.Method && Covers(row.Path, r.Path)))
            .Select(r => $"{r.Method} {r.Path}").Order().ToList();
        Assert.True(stale.Count == 0, "Matrix rows for routes the app does not serve: " + string.Join(", ", stale));
    }

    /// <summary>A route's shape: its path with every parameter written as {}.</summary>
    private static string Shape(Microsoft.AspNetCore.Routing.Patterns.RoutePattern pattern) =>
        "/" + string.Join("/", pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
            _ => "{}",
        }))));

    private static string Shape(string path) => path == "/" ? path : Regex.Replace(path.TrimEnd('/'), @"\{[^}]*\}", "{}");

    [Theory]
    [InlineData("tampered")]
    [InlineData("expired")]
    [InlineData("wrong-key")]
    [InlineData("wrong-issuer")]
    [InlineData("garbage")]
    public async Task Bad_tokens_get_401(string kind)
    {
        var user = await TestUsers.CreateAsync(Db, UserRole.SuperAdmin);
        var token = kind switch
        {
            "tampered" => Tamper(TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.User)),
            "expired" => TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.SuperAdmin, lifetime: TimeSpan.FromMinutes(15), notBefore: DateTime.UtcNow.AddHours(-1)),
            "wrong-key" => TestTokens.Mint(Convert.ToBase64String(new byte[48]), user.Id, user.Email, UserRole.SuperAdmin),
            "wrong-issuer" => TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.SuperAdmin, issuer: "someone-else"),
            _ => "not.a.jwt",
        };
        using var http = Cluster.Http(0, token);
        await Problem.Expect(await http.GetAsync("/api/users"), HttpStatusCode.Unauthorized);
        await Problem.Expect(await http.GetAsync("/api/auth/me"), HttpStatusCode.Unauthorized);
    }

    /// <summary>Rewrites the payload to claim SUPER_ADMIN while keeping the original signature.</summary>
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[1]))).Replace("\"USER\"", "\"SUPER_ADMIN\"");
        parts[1] = Convert.ToBase64String(Encoding.UTF8.GetBytes(payload)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return string.Join('.', parts);
    }

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }

    private async Task<HttpResponseMessage> Send(EndpointAccess row, string? token)
    {
        using var http = Cluster.Http(0, token);
        var path = row.Path.Replace("{id}", Guid.NewGuid().ToString());
        using var request = new HttpRequestMessage(new HttpMethod(row.Method), path);
        if (row.Method is "POST" or "PUT" or "PATCH")
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
