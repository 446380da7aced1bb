using System.Net;
using ChangemakerLite.Grains.Auth;
using ChangemakerLite.Grains.Canvassing;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.Grains.Pages;
using ChangemakerLite.Grains.Shifts;
using ChangemakerLite.Grains.Templates;
using ChangemakerLite.Grains.Media;
using ChangemakerLite.WebFrontend;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;

namespace ChangemakerLite.Silo;

/// <summary>
/// Builds a silo host from configuration (environment variables, also settable in appsettings.json).
/// Tests build real silos through the same method with their own settings, so they run what production runs.
/// </summary>
public static class SiloHost
{
    /// <summary>
    /// A silo, and by default the web tier in the same process (<c>FRONTEND_IN_SILO</c>, true): one process per node,
    /// its endpoints and live hub calling grains in-process, with no Orleans client hop. With <c>FRONTEND_IN_SILO=false</c>
    /// the silo hosts grains only and separate frontend processes (<c>src/WebFrontend</c>) serve HTTP.
    /// </summary>
    public static IHost Build(string[] args, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        var web = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (overrides is not null) web.Configuration.AddInMemoryCollection(overrides);
        if (HostsFrontend(web.Configuration))
        {
            ConfigureSilo(web, configureServices, hostsFrontend: true);
            // After Orleans, so the web tier's background services (live relay, feature toggles) start on an active silo.
            web.AddFrontend();
            AddSiloBackgroundServices(web.Services);
            var app = web.Build();
            app.UseFrontend();
            return app;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        ConfigureSilo(builder, configureServices, hostsFrontend: false);
        AddSiloBackgroundServices(builder.Services);
        return builder.Build();
    }

    /// <summary>Whether this silo process also serves HTTP and the live hub (<c>FRONTEND_IN_SILO</c>, true by default).</summary>
    public static bool HostsFrontend(IConfiguration configuration) => configuration.GetValue("FRONTEND_IN_SILO", true);

    private static void ConfigureSilo(IHostApplicationBuilder builder, Action<IServiceCollection>? configureServices, bool hostsFrontend)
    {
        var settings = SiloSettings.From(builder.Configuration);

        ServerLogging.Configure(builder.Logging, builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => Database.CreateDataSource(settings.ConnectionString));
        builder.Services.AddKeyedSingleton(Database.SessionStateKey, (_, _) => Database.CreateDataSource(settings.ConnectionString, resetSessionsOnClose: true));
        builder.Services.AddSingleton<LivePublisher>();
        builder.Services.AddMapGrains(builder.Configuration);
        builder.Services.AddCanvassGrains();
        builder.Services.AddShiftGrains();
        builder.Services.AddTemplateGrains();
        builder.Services.AddPagesGrains();
        builder.Services.AddInfluenceGrains();
        builder.Services.AddMediaGrains();
        // A silo hosting the web tier exports the metrics through the web tier's exporter (one per process).
        builder.Services.AddSiloOperations(builder.Configuration, settings, exportMetrics: !hostsFrontend);
        if (settings.MigrateOnStart)
            // Registered before Orleans so the schema (Orleans' own tables included) exists before the silo joins.
            builder.Services.AddHostedService(sp => new MigrateOnStartService(settings.ConnectionString, sp.GetRequiredService<ILogger<SchemaMigrator>>()));
        configureServices?.Invoke(builder.Services);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.ConfigureEndpoints(settings.AdvertisedAddress, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: settings.ListenOnAnyAddress);
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = settings.ConnectionString;
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = settings.ConnectionString;
            });
            silo.AddAdoNetGrainStorageAsDefault(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = settings.ConnectionString;
            });
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                // Dead silos must be noticed quickly on a campaign's busiest day; defaults wait much longer.
                o.ProbeTimeout = settings.ProbeTimeout;
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.DefunctSiloCleanupPeriod = TimeSpan.FromHours(1);
                o.DefunctSiloExpiration = TimeSpan.FromHours(2);
            });
            if (settings.MinimumReminderPeriod is { } minimum)
                silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = minimum);
            silo.AddSiloOperations(builder.Configuration);
            silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>().GetGrain<ITempUserSweepGrain>(0).Ensure());
            silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>().GetGrain<ICanvassSweepGrain>(0).Ensure());
        });
    }

    /// <summary>Registered after Orleans so they start once the silo is active and stop before it leaves the cluster.</summary>
    private static void AddSiloBackgroundServices(IServiceCollection services)
    {
        services.AddHostedService(sp => sp.GetRequiredService<LivePublisher>());
        services.AddHostedService<ClusterHeartbeatService>();
        services.AddHostedService<EmailSender>();
    }

    /// <summary>The configuration the one-shot commands (migrate, bootstrap-admin) read: the same sources as the silo.</summary>
    private static IConfiguration CommandConfiguration(string[] args) => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine(args.Skip(1).ToArray())
        .Build();

    public static async Task<int> MigrateAsync(string[] args)
    {
        var configuration = CommandConfiguration(args);
        var settings = SiloSettings.From(configuration);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
        var logger = loggers.CreateLogger<SchemaMigrator>();
        logger.LogInformation("Migrating {Database}", DatabaseUrl.Redact(settings.ConnectionString));
        var applied = await new SchemaMigrator(settings.ConnectionString, logger).MigrateAsync();
        logger.LogInformation(applied.Count == 0 ? "Schema is current" : "Applied {Count} migrations", applied.Count);
        return 0;
    }

    public static async Task<int> BootstrapAdminAsync(string[] args)
    {
        var configuration = CommandConfiguration(args);
        var settings = SiloSettings.From(configuration);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
        await using var db = Database.CreateDataSource(settings.ConnectionString);
        var created = await FirstAdmin.EnsureAsync(db, configuration["ADMIN_EMAIL"], configuration["ADMIN_PASSWORD"], Console.Out,
            loggers.CreateLogger("FirstAdmin"));
        if (!created) loggers.CreateLogger("FirstAdmin").LogInformation("Users exist already; no admin created");
        return 0;
    }

    private sealed class MigrateOnStartService(string connectionString, ILogger<SchemaMigrator> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            new SchemaMigrator(connectionString, logger).MigrateAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

public sealed record SiloSettings(
    string ConnectionString,
    string ClusterId,
    string ServiceId,
    IPAddress AdvertisedAddress,
    int SiloPort,
    int GatewayPort,
    bool ListenOnAnyAddress,
    bool MigrateOnStart,
    TimeSpan ProbeTimeout,
    TimeSpan? MinimumReminderPeriod)
{
    public static SiloSettings From(IConfiguration configuration)
    {
        var databaseUrl = configuration["DATABASE_URL"];
        if (string.IsNullOrWhiteSpace(databaseUrl))
            throw new InvalidOperationException("DATABASE_URL is not set: point it at the PostgreSQL database (postgresql://user:pass@host:port/db).");
        var minimumReminder = configuration["ORLEANS_MIN_REMINDER_SECONDS"];
        return new SiloSettings(
            DatabaseUrl.ToConnectionString(databaseUrl),
            configuration["ORLEANS_CLUSTER_ID"] ?? "changemaker",
            configuration["ORLEANS_SERVICE_ID"] ?? "changemaker-lite",
            IPAddress.Parse(configuration["ORLEANS_ADVERTISED_IP"] ?? "127.0.0.1"),
            configuration.GetValue("ORLEANS_SILO_PORT", 11111),
            configuration.GetValue("ORLEANS_GATEWAY_PORT", 30000),
            configuration.GetValue("ORLEANS_LISTEN_ANY", false),
            configuration.GetValue("MIGRATE_ON_START", true),
            TimeSpan.FromSeconds(configuration.GetValue("ORLEANS_PROBE_TIMEOUT_SECONDS", 3.0)),
            minimumReminder is null ? null : TimeSpan.FromSeconds(double.Parse(minimumReminder, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
