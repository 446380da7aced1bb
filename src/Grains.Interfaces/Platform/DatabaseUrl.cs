using System.Data.Common;

namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>
/// Turns the DATABASE_URL setting into an Npgsql connection string. Operators write either a
/// <c>postgresql://user:pass@host:port/db?sslmode=require</c> URL (what most hosting panels hand out)
/// or a plain <c>Host=…;Database=…</c> connection string; both mean the same database.
/// </summary>
public static class DatabaseUrl
{
    public static string ToConnectionString(string databaseUrl)
    {
        if (string.IsNullOrWhiteSpace(databaseUrl))
            throw new ArgumentException("DATABASE_URL is empty.", nameof(databaseUrl));

        if (!databaseUrl.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) &&
            !databaseUrl.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return databaseUrl;

        var uri = new Uri(databaseUrl);
        var parts = new DbConnectionStringBuilder();
        parts["Host"] = string.IsNullOrEmpty(uri.Host) ? "localhost" : uri.Host;
        parts["Port"] = uri.Port > 0 ? uri.Port : 5432;
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) parts["Database"] = database;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var userInfo = uri.UserInfo.Split(':', 2);
            parts["Username"] = Uri.UnescapeDataString(userInfo[0]);
            if (userInfo.Length == 2) parts["Password"] = Uri.UnescapeDataString(userInfo[1]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            // libpq spells a few options differently from Npgsql.
            key = key.ToLowerInvariant() switch
            {
                "sslmode" => "SSL Mode",
                "host" => "Host",
                "application_name" => "Application Name",
                _ => key,
            };
            parts[key] = value;
        }
        return parts.ConnectionString;
    }

    /// <summary>The same connection string with its password removed, for logs.</summary>
    public static string Redact(string connectionString)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (var key in new[] { "Password", "password", "Pwd" })
            if (parts.ContainsKey(key)) parts[key] = "***";
        return parts.ConnectionString;
    }
}
