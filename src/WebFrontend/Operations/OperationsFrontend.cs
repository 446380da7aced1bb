using System.Diagnostics.Metrics;
using System.Security.Claims;
using System.Text;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orleans.Dashboard;

namespace ChangemakerLite.WebFrontend.Operations;

/// <summary>
/// What operators use on a frontend: <c>/metrics</c> (Prometheus, protected by <see cref="MetricsAccess"/>),
/// <c>/health/live</c> and <c>/health/ready</c> (ASP.NET Core health checks; anonymous callers learn only ready or
/// not), and the Orleans dashboard at <c>/dashboard</c> for super admins, reached through a short-lived cookie.
/// </summary>
public static class OperationsFrontend
{
    public const string MetricsPath = "/metrics";
    public const string DashboardPath = "/dashboard";
    public const string DashboardCookie = "cml_dashboard";
    public const string DashboardScheme = "DashboardSession";
    public const string DashboardPolicy = "dashboard";
    private const string ReadyTag = "ready";

    public static WebApplicationBuilder AddOperationsFrontend(this WebApplicationBuilder builder, FrontendSettings settings)
    {
        var access = MetricsAccess.From(k => builder.Configuration[k]);
        var operations = OperationsSettings.From(builder.Configuration);
        builder.Services.AddSingleton(access);
        builder.Services.AddSingleton(operations);

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("changemaker-frontend", serviceInstanceId: $"{settings.BindAddress}:{settings.Port}"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter("Microsoft.Orleans", FrontendMetrics.MeterName)
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));

        builder.Services.AddHealthChecks().AddCheck<ClusterReadinessCheck>("cluster-and-database", tags: [ReadyTag]);

        // The dashboard is a page a browser navigates to, so it cannot carry a bearer header: a super admin first
        // calls POST /api/dashboard/session with their bearer token, which sets a cookie holding a token of its own
        // audience, valid only under /dashboard and only for DASHBOARD_SESSION_MINUTES.
        builder.Services.AddAuthentication().AddJwtBearer(DashboardScheme, o =>
        {
            o.MapInboundClaims = false;
            o.TokenHandlers.Clear();
            o.TokenHandlers.Add(new JsonWebTokenHandler { MapInboundClaims = false });
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = settings.JwtIssuer,
                ValidAudience = DashboardAudience(settings),
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.JwtSigningKey)),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                ClockSkew = TimeSpan.FromSeconds(5),
                NameClaimType = AccessRules.EmailClaim,
                RoleClaimType = AccessRules.RoleClaim,
            };
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    context.Token = context.Request.Cookies[DashboardCookie];
                    return Task.CompletedTask;
                },
            };
        });
        builder.Services.AddAuthorization(o => o.AddPolicy(DashboardPolicy, p => p
            .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme, DashboardScheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(c => AccessRules.RoleOf(c.User) == Grains.Interfaces.Auth.UserRole.SuperAdmin)));
        return builder;
    }

    /// <summary>Serves <c>/metrics</c> ahead of everything else, to allowed scrapers only.</summary>
    public static WebApplication UseProtectedMetrics(this WebApplication app)
    {
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.Request.Path == MetricsPath,
            path: null,
            configureBranchedPipeline: branch => branch.Use(async (context, next) =>
            {
                var access = context.RequestServices.GetRequiredService<MetricsAccess>();
                if (access.Refusal(context.Connection.RemoteIpAddress, context.Request.Headers.Authorization) is { } status)
                {
                    context.Response.StatusCode = status;
                    if (status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer";
                    await Results.Problem(statusCode: status, title: status == 401 ? "Unauthorized" : "Forbidden",
                        detail: "Metrics are served to the networks in METRICS_ALLOWED_NETWORKS, or with METRICS_TOKEN as a bearer token.")
                        .ExecuteAsync(context);
                    return;
                }
                await next(context);
            }),
            optionsName: null);
        return app;
    }

    public static IEndpointRouteBuilder MapOperationsEndpoints(this IEndpointRouteBuilder app)
    {
        // Minimal APIs over the registered health checks, so the OpenAPI document describes them too.
        var health = app.MapGroup("/health").WithTags("Health").AllowAnonymous();
        health.MapGet("/live", () => TypedResults.Ok(new HealthStatusView("live")))
            .WithSummary("The process is up.");
        health.MapGet("/ready", async Task<IResult> (HealthCheckService checks, CancellationToken cancellationToken) =>
            {
                var report = await checks.CheckHealthAsync(c => c.Tags.Contains(ReadyTag), cancellationToken);
                return report.Status == HealthStatus.Healthy
                    ? TypedResults.Ok(new HealthStatusView("ready"))
                    : TypedResults.Json(new HealthStatusView("not ready"), statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .WithSummary("The cluster and the database answer. Only the verdict is served; the reason is logged.")
            .Produces<HealthStatusView>(StatusCodes.Status200OK)
            .Produces<HealthStatusView>(StatusCodes.Status503ServiceUnavailable);

        var operations = app.ServiceProvider.GetRequiredService<OperationsSettings>();
        if (operations.DashboardEnabled)
        {
            app.MapPost("/api/dashboard/session", (HttpContext http, FrontendSettings settings, TimeProvider time) =>
                {
                    var expires = time.GetUtcNow() + operations.DashboardSessionLifetime;
                    http.Response.Cookies.Append(DashboardCookie, MintDashboardToken(http.User, settings, time, expires), new CookieOptions
                    {
                        HttpOnly = true,
                        Secure = http.Request.IsHttps,
                        SameSite = SameSiteMode.Strict,
                        Path = DashboardPath,
                        Expires = expires,
                    });
                    return TypedResults.Ok(new DashboardSession($"{DashboardPath}/", expires));
                })
                .RequireAuthorization(Policies.SuperAdmin)
                .WithTags("Operations")
                .WithSummary("Sets the short-lived cookie with which a super admin's browser opens /dashboard.")
                .ProducesProblem(StatusCodes.Status401Unauthorized)
                .ProducesProblem(StatusCodes.Status403Forbidden);
            app.MapDelete("/api/dashboard/session", (HttpContext http) =>
                {
                    http.Response.Cookies.Delete(DashboardCookie, new CookieOptions { Path = DashboardPath });
                    return TypedResults.NoContent();
                })
                .AllowAnonymous()
                .WithTags("Operations")
                .WithSummary("Clears the dashboard cookie.");
            app.MapOrleansDashboard(routePrefix: DashboardPath).RequireAuthorization(DashboardPolicy).ExcludeFromDescription();
        }
        return app;
    }

    private static string DashboardAudience(FrontendSettings settings) => $"{settings.JwtIssuer}/dashboard";

    private static string MintDashboardToken(ClaimsPrincipal user, FrontendSettings settings, TimeProvider time, DateTimeOffset expires)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var claims = user.Claims.Where(c => c.Type is AccessRules.UserIdClaim or AccessRules.EmailClaim or AccessRules.RoleClaim)
            .Select(c => new Claim(c.Type, c.Value));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.JwtIssuer,
            Audience = DashboardAudience(settings),
            IssuedAt = now,
            NotBefore = now,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.JwtSigningKey)), SecurityAlgorithms.HmacSha256),
            Subject = new ClaimsIdentity(claims),
        });
    }
}

public sealed record DashboardSession(string Url, DateTimeOffset ExpiresAt);

public sealed record HealthStatusView(string Status);

public sealed record OperationsSettings(bool DashboardEnabled, TimeSpan DashboardSessionLifetime)
{
    public static OperationsSettings From(IConfiguration configuration) => new(
        configuration.GetValue("DASHBOARD_ENABLED", true),
        TimeSpan.FromMinutes(configuration.GetValue("DASHBOARD_SESSION_MINUTES", 15.0)));
}

/// <summary>Ready when a silo answers within 5 s and reaches the database; the reason is logged, not served.</summary>
public sealed class ClusterReadinessCheck(IClusterClient client, ILogger<ClusterReadinessCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var report = await client.GetGrain<IPlatformHealthGrain>(0).Check().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            if (report.DatabaseReachable) return HealthCheckResult.Healthy();
            logger.LogWarning("Not ready: silo {Silo} cannot reach the database ({Error})", report.SiloAddress, report.DatabaseError);
            return HealthCheckResult.Unhealthy("database unreachable");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Not ready: the cluster did not answer ({Error})", ex.GetType().Name);
            return HealthCheckResult.Unhealthy("cluster unreachable");
        }
    }
}

/// <summary>The frontend's own instruments, in the same meter name as the silos' (one family in Prometheus).</summary>
public static class FrontendMetrics
{
    public const string MeterName = "ChangemakerLite";
    private static readonly Meter Meter = new(MeterName, "1.0");
    private static readonly Counter<long> Relayed = Meter.CreateCounter<long>("changemaker.live.events.relayed", "{event}",
        "Live events this frontend received from silos and sent to its SignalR groups.");

    public static void LiveEventRelayed() => Relayed.Add(1);
}
