using System.Net;
using System.Text;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

/// <summary>
/// Every endpoint of every module (their IAuthorizationRows) against every role: callers it admits get
/// past the gate, everyone else gets 401 without a token and 403 with one.
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

        var anonymous = await Send(row, null);
        if (row.Anonymous ? anonymous is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden : anonymous != HttpStatusCode.Unauthorized)
            failures.Add($"anonymous got {(int)anonymous}");

        foreach (var role in Enum.GetValues<UserRole>())
        {
            var status = await Send(row, _tokens[role]);
            var allowed = row.Anonymous || row.Allowed.Contains(role);
            if (allowed && status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                failures.Add($"{role} should pass but got {(int)status}");
            if (!allowed && status != HttpStatusCode.Forbidden)
                failures.Add($"{role} should get 403 but got {(int)status}");
        }
        Assert.True(failures.Count == 0, $"{row}: {string.Join("; ", failures)}");
    }

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
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/auth/me")).StatusCode);
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

    private async Task<HttpStatusCode> Send(EndpointAccess row, string? token)
    {
        using var http = Cluster.Http(0, token);
        var path = row.Path.Replace("{id}", Guid.NewGuid().ToString());
        using var request = new HttpRequestMessage(new HttpMethod(row.Method), path);
        if (row.Method is "POST" or "PUT" or "PATCH")
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        return (await http.SendAsync(request)).StatusCode;
    }
}
