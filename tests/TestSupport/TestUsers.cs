using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.TestSupport;

/// <summary>A person the tests act as: a real user row and, once signed in, real tokens from the API.</summary>
public sealed record TestUser(Guid Id, string Email, string Password, UserRole Role)
{
    public string? AccessToken { get; init; }
    public string? RefreshToken { get; init; }
}

public static class TestUsers
{
    public const string Password = "Correct-Horse-9-Battery";

    // The rows these tests insert are fixtures, not passwords set through the API: their hash has the lowest bcrypt cost,
    // as sign-in verifies a hash at the cost it was made with. At the production cost (12, what the API stores; a test
    // checks it) every sign-in of the suite's thousands would spend a quarter of a second of a core.
    private static readonly Lazy<string> PasswordHash = new(() => BCrypt.Net.BCrypt.HashPassword(Password, 4));

    public static async Task<TestUser> CreateAsync(TestDatabase db, UserRole role, string? email = null, string permissions = "{}",
        DateTimeOffset? expiresAt = null)
    {
        var id = Ids.New();
        email ??= $"{role.ToString().ToLowerInvariant()}-{id:N}@example.org";
        await db.ExecuteAsync("""
            INSERT INTO users (id, email, password_hash, name, role, permissions, created_via, expires_at, email_verified)
            VALUES (@id, @email, @hash, @name, @role, @permissions::jsonb, 'ADMIN', @expires, true)
            """, ("id", id), ("email", email), ("hash", PasswordHash.Value), ("name", $"Test {role}"), ("role", role),
            ("permissions", permissions), ("expires", expiresAt ?? (role == UserRole.Temp ? DateTimeOffset.UtcNow.AddDays(3) : null)));
        return new TestUser(id, email, Password, role);
    }

    /// <summary>Creates the user and signs in through POST /api/auth/login.</summary>
    public static async Task<TestUser> SignedInAsync(LocalCluster cluster, UserRole role, string permissions = "{}")
    {
        var user = await CreateAsync(cluster.Database, role, permissions: permissions);
        return await LoginAsync(cluster, user);
    }

    public static async Task<TestUser> LoginAsync(LocalCluster cluster, TestUser user, int frontend = 0)
    {
        using var http = cluster.Http(frontend);
        var response = await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Login failed: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return user with
        {
            AccessToken = json.RootElement.GetProperty("accessToken").GetString(),
            RefreshToken = json.RootElement.GetProperty("refreshToken").GetString(),
        };
    }
}
