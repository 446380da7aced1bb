using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.WebFrontend;

public sealed record FrontendSettings(
    string ConnectionString,
    int Port,
    string BindAddress,
    string ClusterId,
    string ServiceId,
    string JwtSigningKey,
    string JwtIssuer,
    TimeSpan AccessTokenLifetime,
    string PublicBaseUrl,
    TimeSpan LiveRelayRenewPeriod)
{
    public static FrontendSettings From(IConfiguration configuration)
    {
        var databaseUrl = configuration["DATABASE_URL"];
        if (string.IsNullOrWhiteSpace(databaseUrl))
            throw new InvalidOperationException("DATABASE_URL is not set: the frontend finds the silos through the membership table in that database.");
        var signingKey = configuration["JWT_SIGNING_KEY"];
        if (string.IsNullOrWhiteSpace(signingKey) || signingKey.Length < 32)
            throw new InvalidOperationException("JWT_SIGNING_KEY must be set to a secret of at least 32 characters.");
        var port = configuration.GetValue("PORT", 8080);
        var bindAddress = configuration["BIND_ADDRESS"] ?? "0.0.0.0";
        return new FrontendSettings(
            DatabaseUrl.ToConnectionString(databaseUrl),
            port,
            bindAddress,
            configuration["ORLEANS_CLUSTER_ID"] ?? "changemaker",
            configuration["ORLEANS_SERVICE_ID"] ?? "changemaker-lite",
            signingKey,
            configuration["JWT_ISSUER"] ?? "changemaker-lite",
            TimeSpan.FromMinutes(configuration.GetValue("ACCESS_TOKEN_MINUTES", 15.0)),
            (configuration["PUBLIC_BASE_URL"] ?? $"http://localhost:{port}").TrimEnd('/'),
            TimeSpan.FromSeconds(configuration.GetValue("LIVE_RELAY_RENEW_SECONDS", 5.0)));
    }
}
