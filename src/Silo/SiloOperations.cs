using System.Net;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orleans.Dashboard;

namespace ChangemakerLite.Silo;

/// <summary>
/// What operators use on a silo: its metrics (Orleans, Npgsql, runtime and the domain's own instruments) and
/// <c>/health/live</c>, <c>/health/ready</c> on a small listener at <c>METRICS_PORT</c> (off when 0), the
/// dashboard's silo side, and Orleans' Kubernetes hosting when <c>ORLEANS_KUBERNETES</c> is true.
/// </summary>
public static class SiloOperations
{
    public static void AddSiloOperations(this IServiceCollection services, IConfiguration configuration, SiloSettings settings, bool exportMetrics = true)
    {
        var operations = SiloOperationsSettings.From(configuration);
        services.AddSingleton(operations);
        services.AddSingleton(MetricsAccess.From(k => configuration[k]));
        if (exportMetrics) services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("changemaker-silo", serviceInstanceId: $"{settings.AdvertisedAddress}:{settings.SiloPort}"))
            .WithMetrics(m => m
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter("Microsoft.Orleans", ChangemakerMetrics.MeterName)
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        if (operations.MetricsPort > 0) services.AddHostedService<SiloMetricsListener>();
    }

    public static void AddSiloOperations(this ISiloBuilder silo, IConfiguration configuration)
    {
        var operations = SiloOperationsSettings.From(configuration);
        silo.AddIncomingGrainCallFilter<ChangemakerLite.Grains.Platform.UnavailableCallFilter>();
        if (operations.DashboardEnabled) silo.AddDashboard();
        // Pod name, namespace and IP come from the downward API (see deploy/k8s/silo.yaml); the silo advertises its
        // pod IP, and a pod deleted by Kubernetes is declared dead at once instead of after missed probes.
        if (operations.Kubernetes) silo.UseKubernetesHosting();
    }
}

public sealed record SiloOperationsSettings(int MetricsPort, IPAddress MetricsBindAddress, bool DashboardEnabled, bool Kubernetes)
{
    public static SiloOperationsSettings From(IConfiguration configuration) => new(
        configuration.GetValue("METRICS_PORT", 0),
        IPAddress.Parse(configuration["METRICS_BIND_ADDRESS"] ?? "0.0.0.0"),
        configuration.GetValue("DASHBOARD_ENABLED", true),
        configuration.GetValue("ORLEANS_KUBERNETES", false));
}

/// <summary>A silo without the web tier has no HTTP of its own: this listener serves its <c>/metrics</c> and health to scrapers and probes.</summary>
public sealed class SiloMetricsListener(IServiceProvider silo, SiloOperationsSettings settings, ILogger<SiloMetricsListener> logger) : IHostedService
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(settings.MetricsBindAddress, settings.MetricsPort));
        var app = builder.Build();
        var access = silo.GetRequiredService<MetricsAccess>();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: silo.GetRequiredService<MeterProvider>(),
            predicate: context => context.Request.Path == "/metrics",
            path: null,
            configureBranchedPipeline: branch => branch.Use(async (context, next) =>
            {
                if (access.Refusal(context.Connection.RemoteIpAddress, context.Request.Headers.Authorization) is { } status)
                {
                    context.Response.StatusCode = status;
                    if (status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer";
                    await context.Response.WriteAsync(status == 401 ? "Unauthorized" : "Forbidden", context.RequestAborted);
                    return;
                }
                await next(context);
            }),
            optionsName: null);
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
        app.MapGet("/health/ready", async (CancellationToken cancellation) =>
        {
            var lifetime = silo.GetRequiredService<IHostApplicationLifetime>();
            if (!lifetime.ApplicationStarted.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
                return Results.Json(new { status = "not ready" }, statusCode: 503);
            try
            {
                await using var command = silo.GetRequiredService<NpgsqlDataSource>().CreateCommand("SELECT 1");
                command.CommandTimeout = 5;
                await command.ExecuteScalarAsync(cancellation);
                return Results.Ok(new { status = "ready" });
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Not ready: the database did not answer ({Error})", ex.GetType().Name);
                return Results.Json(new { status = "not ready" }, statusCode: 503);
            }
        });
        await app.StartAsync(cancellationToken);
        _app = app;
        logger.LogInformation("Metrics and health on {Address}:{Port}", settings.MetricsBindAddress, settings.MetricsPort);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is null) return;
        await _app.StopAsync(cancellationToken);
        await _app.DisposeAsync();
    }
}
