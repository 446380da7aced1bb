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
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Orleans.Configuration;
using Scalar.AspNetCore;

namespace ChangemakerLite.WebFrontend;

/// <summary>
/// Builds the frontend: an Orleans client plus ASP.NET Core minimal APIs and the live hub. Tests build
/// real frontends (Kestrel on a loopback port) through the same method.
/// </summary>
public static class FrontendApp
{
    /// <summary>JSON bodies are small; endpoints that take files raise their own limit.</summary>
    public const long DefaultMaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Where the OpenAPI document of every route is served (<c>/openapi/v1.json</c>).</summary>
    public const string OpenApiDocumentPath = "/openapi/{documentName}.json";

    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        var settings = FrontendSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);

        ServerLogging.Configure(builder.Logging, builder.Configuration);
        builder.Services.AddTrustedProxies(builder.Configuration);

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = DefaultMaxRequestBodyBytes;
            k.Listen(System.Net.IPAddress.Parse(settings.BindAddress), settings.Port);
        });

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
        builder.AddOperationsFrontend(settings);

        configure?.Invoke(builder);
        var app = builder.Build();
        // First: every later step (metrics networks, rate limits, dedupe) sees the client's address behind a trusted proxy.
        app.UseTrustedProxies();
        app.UseRequestStrings();
        app.UseSecurityHeaders(settings);
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
        app.MapLiveHub();
        return app;
    }
}
