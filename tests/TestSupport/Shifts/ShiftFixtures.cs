using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.TestSupport.Shifts;

/// <summary>A volunteer with a real user row and a real (locally signed) access token.</summary>
public sealed record Volunteer(Guid Id, string Email, string AccessToken);

/// <summary>Arranging shifts and crowds of volunteers for the shifts tests and the benchmark.</summary>
public static class ShiftFixtures
{
    /// <summary>
    /// Many users in one statement, each with a token signed by the cluster's key: a crowd of hundreds or
    /// thousands arrives in milliseconds instead of a bcrypt login each.
    /// </summary>
    public static async Task<IReadOnlyList<Volunteer>> CreateVolunteersAsync(LocalCluster cluster, int count, UserRole role = UserRole.User)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Ids.New()).ToArray();
        var emails = ids.Select(id => $"volunteer-{id:N}@example.org").ToArray();
        await cluster.Database.ExecuteAsync("""
            INSERT INTO users (id, email, password_hash, name, role, created_via, email_verified, expires_at)
            SELECT id, email, 'not-a-login', 'Volunteer ' || left(email, 18), @role, 'ADMIN', true,
                   CASE WHEN @role = 'TEMP'::user_role THEN now() + interval '3 days' END
            FROM unnest(@ids, @emails) AS u(id, email)
            """, ("ids", ids), ("emails", emails), ("role", role));
        return ids.Select((id, i) => new Volunteer(id, emails[i], TestTokens.Mint(cluster.SigningKey, id, emails[i], role,
            lifetime: TimeSpan.FromHours(2)))).ToList();
    }

    public static async Task<string> AdminTokenAsync(LocalCluster cluster, UserRole role = UserRole.MapAdmin)
    {
        var admin = await TestUsers.CreateAsync(cluster.Database, role);
        return TestTokens.Mint(cluster.SigningKey, admin.Id, admin.Email, role, lifetime: TimeSpan.FromHours(2));
    }

    public static string Date(int daysFromToday) => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(daysFromToday).ToString("yyyy-MM-dd");

    /// <summary>
    /// POST /api/shifts as an admin; fails the test run loudly if the API refuses. Public by default: volunteers without
    /// the private-shifts grant can sign themselves up only to public shifts.
    /// </summary>
    public static async Task<JsonElement> CreateShiftAsync(HttpClient admin, int maxVolunteers, bool isPublic = true, int daysFromToday = 7,
        string title = "Door knocking", string startTime = "09:00", string endTime = "12:00")
    {
        var response = await admin.PostAsJsonAsync("/api/shifts", new
        {
            title,
            description = "Meet at the office",
            date = Date(daysFromToday),
            startTime,
            endTime,
            location = "12 Main St",
            maxVolunteers,
            isPublic,
        });
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 201) throw new InvalidOperationException($"Creating a shift failed: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Each volunteer signs themself up to the shift through one frontend, all at once; their answers' statuses.</summary>
    public static async Task<HttpStatusCode[]> SignUpAllAsync(LocalCluster cluster, int frontend, Guid shift, IEnumerable<Volunteer> volunteers) =>
        await Task.WhenAll(volunteers.Select(async v =>
        {
            using var http = cluster.Http(frontend, v.AccessToken);
            using var response = await http.PostAsync($"/api/shifts/{shift}/signups", null);
            return response.StatusCode;
        }));
}
