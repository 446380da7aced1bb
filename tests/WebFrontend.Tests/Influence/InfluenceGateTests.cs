using System.Net;
using System.Text;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;

namespace ChangemakerLite.WebFrontend.Tests.Influence;

/// <summary>
/// The influence rows of the authorization matrix on their own, so the module's gates can be checked without running
/// every module's rows: callers a row admits get past the gate, everyone else gets 401 without a token and 403 with one.
/// </summary>
public sealed class InfluenceGateTests : InfluenceTestBase
{
    [Fact]
    public async Task Every_influence_route_admits_exactly_its_callers()
    {
        var tokens = new Dictionary<UserRole, string>();
        foreach (var role in Enum.GetValues<UserRole>())
        {
            var user = await TestUsers.CreateAsync(Db, role);
            tokens[role] = TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, role);
        }
        var failures = new List<string>();
        foreach (var row in new InfluenceAuthorizationRows().Rows)
        {
            var anonymous = await Send(row, null);
            if (row.Anonymous ? anonymous is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden : anonymous != HttpStatusCode.Unauthorized)
                failures.Add($"{row}: anonymous got {(int)anonymous}");
            if ((int)anonymous >= 500) failures.Add($"{row}: anonymous got {(int)anonymous}");
            foreach (var role in Enum.GetValues<UserRole>())
            {
                var status = await Send(row, tokens[role]);
                var allowed = row.Anonymous || row.Allowed.Contains(role);
                if (allowed && status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) failures.Add($"{row}: {role} should pass but got {(int)status}");
                if (!allowed && status != HttpStatusCode.Forbidden) failures.Add($"{row}: {role} should get 403 but got {(int)status}");
                if ((int)status >= 500) failures.Add($"{row}: {role} got {(int)status}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private async Task<HttpStatusCode> Send(EndpointAccess row, string? token)
    {
        using var http = Cluster.Http(0, token);
        using var request = new HttpRequestMessage(new HttpMethod(row.Method), row.Path.Replace("{id}", Guid.NewGuid().ToString()));
        if (row.Method is "POST" or "PUT" or "PATCH") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        return (await http.SendAsync(request)).StatusCode;
    }
}
