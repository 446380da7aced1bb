using System.Text;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Map;
using ChangemakerLite.WebFrontend.Pages;
using ChangemakerLite.WebFrontend.Media;
using ChangemakerLite.WebFrontend.Operations;
using ChangemakerLite.WebFrontend.Canvassing;
using ChangemakerLite.WebFrontend.Influence;
using ChangemakerLite.WebFrontend.Platform;
using ChangemakerLite.WebFrontend.Settings;
using ChangemakerLite.WebFrontend.Shifts;
using ChangemakerLite.WebFrontend.Templates;
using ChangemakerLite.WebFrontend.Web;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Orleans.Configuration;
using Scalar.AspNetCore;

namespace ChangemakerLite.WebFrontend;

/// <summary>
/// Builds the web tier: ASP.NET Core minimal APIs and the live hub, hosted either in a silo (one process per node,
/// the grain calls local) or in a frontend process of its own with an Orleans client. Tests build both through
/// the same methods.
/// </summary>
public static class FrontendApp
{
    /// <summary>JSON bodies are small; endpoints that take files raise their own limit.</summary>
    public const long DefaultMaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Where the OpenAPI document of every route is served (<c>/openapi/v1.json</c>).</summary>
    public const string OpenApiDocumentPath = "/openapi/{documentName}.json";

    /// <summary>
    /// A frontend process of its own (the separate topology): the web app reaching the silos through an Orleans
    /// client. The silo hosts the same app in its own process through <see cref="AddFrontend"/> and
    /// <see cref="UseFrontend"/> (the co-hosted topology, <c>FRONTEND_IN_SILO</c>).
    /// </summary>
    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        ServerLogging.Configure(builder.Logging, builder.Configuration);
        var settings = FrontendSettings.From(builder.Configuration);

        // The client first: the web tier's background services (live relay, feature toggles) start on a connected client.
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = settings.ConnectionString;
            });
            // New silos must be used soon after they join, not a minute later.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            Orleans.Dashboard.ServiceCollectionExtensions.AddDashboard(client);
            // The frontend may start before any silo is up: keep trying rather than exit.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
        });

        builder.AddFrontend();

        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseFrontend();
        return app;
    }

    /// <summary>
    /// Registers the web tier (Kestrel on <c>PORT</c>, authentication, every module's endpoints' services, the live hub
    /// and its relay) on a web application builder whose host already has, or will get, an Orleans client or silo:
    /// the endpoints reach grains through <c>IClusterClient</c>, which a silo provides in-process.
    /// </summary>
    public static FrontendSettings AddFrontend(this WebApplicationBuilder builder)
    {
        var settings = FrontendSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        // A silo hosting the frontend may have registered its clock (tests shift it): one process, one clock.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddTrustedProxies(builder.Configuration);

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = DefaultMaxRequestBodyBytes;
            k.Listen(System.Net.IPAddress.Parse(settings.BindAddress), settings.Port);
        });

        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new WireNameEnumConverterFactory()));
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi();

        builder.Services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenHandlers.Clear();
                o.TokenHandlers.Add(new ValidatedTokenCache(new JsonWebTokenHandler { MapInboundClaims = false }, TimeProvider.System));
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = settings.JwtIssuer,
                    ValidAudience = settings.JwtIssuer,
                    IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.JwtSigningKey)),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = AccessRules.EmailClaim,
                    RoleClaimType = AccessRules.RoleClaim,
                };
                o.Events = new JwtBearerEvents
                {
                    // Browsers cannot set headers on WebSocket requests, so the hub takes the token from the query string.
                    OnMessageReceived = context =>
                    {
                        var token = context.Request.Query["access_token"];
                        if (!string.IsNullOrEmpty(token) && context.HttpContext.Request.Path.StartsWithSegments(LiveHub.Path))
                            context.Token = token;
                        return Task.CompletedTask;
                    },
                };
            });
        builder.Services.AddAuthorization(o => o.AddChangemakerPolicies());

        builder.Services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new WireNameEnumConverterFactory()));
        builder.Services.AddLiveHub(builder.Configuration);
        builder.Services.AddSingleton<ILiveTopicAuthorizer, PlatformTopicAuthorizer>();
        builder.Services.AddAuthFrontend();
        builder.Services.AddShiftsFrontend();
        builder.Services.AddMapFrontend(builder.Configuration);
        builder.Services.AddCanvassFrontend();
        builder.Services.AddSettingsFrontend();
        builder.Services.AddTemplatesFrontend();
        builder.Services.AddPagesFrontend();
        builder.Services.AddInfluenceFrontend();
        builder.Services.AddMediaFrontend();
        builder.Services.AddWebFrontend(builder.Configuration);
        builder.AddOperationsFrontend(settings);
        return settings;
    }

    /// <summary>The request pipeline and every route of the web tier, the same in a frontend process and in a silo.</summary>
    public static WebApplication UseFrontend(this WebApplication app)
    {
        // First: every later step (metrics networks, rate limits, dedupe) sees the client's address behind a trusted proxy.
        app.UseTrustedProxies();
        app.UseRequestStrings();
        app.UseSecurityHeaders(app.Services.GetRequiredService<FrontendSettings>());
        app.UseProtectedMetrics();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseFeatureToggles();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi(OpenApiDocumentPath);
        // The interactive API reference, reading the document above.
        app.MapScalarApiReference("/docs", o => o.WithOpenApiRoutePattern(OpenApiDocumentPath)).AllowAnonymous();
        app.MapAuthEndpoints();
        app.MapShiftEndpoints();
        app.MapMapEndpoints();
        app.MapCanvassEndpoints();
        app.MapSettingsEndpoints();
        app.MapTemplateEndpoints();
        app.MapPagesEndpoints();
        app.MapInfluenceEndpoints();
        app.MapMediaEndpoints();
        app.MapOperationsEndpoints();
        app.MapWebEndpoints();
        app.MapLiveHub();
        return app;
    }
}
