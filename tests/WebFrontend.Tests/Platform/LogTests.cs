using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.WebFrontend.Tests.Platform;

/// <summary>
/// No credential reaches a log, whatever the level: this cluster logs everything ASP.NET Core and SignalR say (every
/// request line with its query string), and the captured lines are read after a browser-style hub connection that
/// carries its token as <c>?access_token=</c>.
/// </summary>
public sealed class LogRedactionTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:System.Net.Http"] = "Trace",
        ["Logging:LogLevel:Npgsql"] = "Warning",
    };

    [Fact]
    public async Task A_hub_connection_with_access_token_in_the_url_leaves_no_token_in_the_logs()
    {
        var admin = await TestUsers.SignedInAsync(Cluster, UserRole.SuperAdmin);
        var token = admin.AccessToken!;

        // As a browser connects: the token in the query string of the negotiate and WebSocket requests.
        await using (var hub = new HubConnectionBuilder()
                         .WithUrl(new Uri(Cluster.FrontendUri(0), $"/hubs/live?access_token={token}"))
                         .Build())
        {
            await hub.StartAsync();
            await hub.InvokeAsync("Subscribe", "cluster:heartbeat");
        }
        // Other credentials a URL may carry: a token in a query, a password in a query, a signed link's token in the path.
        using var http = Cluster.Http();
        const string linkToken = "SignedLinkToken0123456789abcdef";
        using (await http.GetAsync($"/api/auth/me?access_token={token}")) { }
        using (await http.GetAsync("/api/auth/me?password=Hunter2-Secret-Pass&refresh_token=RefreshSecret42")) { }
        using (await http.GetAsync($"/api/public/responses/verify/{linkToken}")) { }

        // The request lines were logged (redacted), so the absence below means something.
        await Eventually.True(() => Task.FromResult(Cluster.Logs.Lines.Any(l => l.Contains("/hubs/live") && l.Contains("access_token=[redacted]"))),
            "a logged hub request line");
        await Eventually.True(() => Task.FromResult(Cluster.Logs.Lines.Any(l => l.Contains("/verify/[redacted]"))), "a logged signed-link line");

        var signature = token.Split('.')[2];
        var leaks = Cluster.Logs.Lines.Where(l => l.Contains(signature) || l.Contains(token.Split('.')[1]) || l.Contains("Hunter2-Secret-Pass")
                                                  || l.Contains("RefreshSecret42") || l.Contains(linkToken)).ToList();
        Assert.True(leaks.Count == 0, "credentials in the log:\n" + string.Join("\n", leaks.Take(5)));
    }
}

/// <summary>The log's levels and format settings (<see cref="ServerLogging"/>), and the redaction of each kind of credential.</summary>
public sealed class ServerLoggingTests
{
    private static (ILoggerFactory Factory, CapturedLogs Logs, ServiceProvider Services) Build(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value)).Build();
        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            b.AddConfiguration(configuration.GetSection("Logging"));
            ServerLogging.Configure(b, configuration);
            b.AddProvider(logs);
        });
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<ILoggerFactory>(), logs, provider);
    }

    [Fact]
    public void The_default_level_keeps_lifecycle_warnings_and_errors_and_drops_per_request_chatter()
    {
        var (factory, _, services) = Build();
        using var _ = services;
        bool On(string category, LogLevel level) => factory.CreateLogger(category).IsEnabled(level);

        Assert.True(On("Microsoft.Hosting.Lifetime", LogLevel.Information));
        Assert.True(On("Orleans.Runtime.Silo", LogLevel.Information));
        Assert.True(On("ChangemakerLite.Grains.Platform.SchemaMigrator", LogLevel.Information));
        Assert.False(On("ChangemakerLite.Grains.Platform.SchemaMigrator", LogLevel.Debug));
        foreach (var chatty in new[] { "Polly", "Microsoft.AspNetCore.Hosting.Diagnostics", "Orleans.Runtime.Placement", "System.Net.Http.HttpClient.Default.LogicalHandler", "Npgsql.Command" })
        {
            Assert.False(On(chatty, LogLevel.Information), chatty);
            Assert.True(On(chatty, LogLevel.Warning), chatty);
        }
    }

    [Fact]
    public void LOG_LEVEL_turns_on_detail_everywhere_and_a_category_setting_still_wins()
    {
        var (factory, _, services) = Build(("LOG_LEVEL", "Debug"), ("Logging:LogLevel:Orleans", "Error"));
        using var _ = services;
        Assert.True(factory.CreateLogger("Polly").IsEnabled(LogLevel.Debug));
        Assert.True(factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Debug));
        Assert.True(factory.CreateLogger("ChangemakerLite.Grains.Shifts.ShiftGrain").IsEnabled(LogLevel.Debug));
        Assert.False(factory.CreateLogger("ChangemakerLite.Grains.Shifts.ShiftGrain").IsEnabled(LogLevel.Trace));
        Assert.False(factory.CreateLogger("Orleans.Runtime.Placement").IsEnabled(LogLevel.Warning));

        var (quiet, _, quietServices) = Build(("LOG_LEVEL", "Warning"));
        using var __ = quietServices;
        Assert.False(quiet.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information));
        Assert.True(quiet.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Warning));
    }

    [Fact]
    public void Unknown_level_or_format_stops_the_start()
    {
        Assert.Throws<InvalidOperationException>(() => Build(("LOG_LEVEL", "chatty")));
        Assert.Throws<InvalidOperationException>(() => Build(("LOG_FORMAT", "xml")));
    }

    [Fact]
    public void Every_entry_is_redacted_before_any_provider_sees_it_message_and_values_alike()
    {
        var (factory, logs, services) = Build();
        using var _ = services;
        const string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNlY3JldA";
        var logger = factory.CreateLogger("ChangemakerLite.Test");
        logger.LogWarning("Request {Path}{Query} by {User}", "/hubs/live", $"?id=abc&access_token={jwt}", 42);
        logger.LogWarning("Connecting to {Url}", "postgresql://app:DbSecretPass@db.example.org:5432/cml");
        logger.LogError("Upstream said {Header}", "Authorization: Bearer OpaqueSecretToken123");

        var lines = logs.Lines;
        Assert.Equal(3, lines.Count);
        Assert.DoesNotContain(lines, l => l.Contains("c2lnbmF0dXJl") || l.Contains("eyJzdWIi") || l.Contains("DbSecretPass") || l.Contains("OpaqueSecretToken123"));
        Assert.Contains(lines, l => l.Contains("/hubs/live?id=abc&access_token=[redacted]") && l.Contains("User=42"));
        Assert.Contains(lines, l => l.Contains("postgresql://app:[redacted]@db.example.org"));
    }

    [Theory]
    [InlineData("GET /api/x?token=abc123&page=2", "GET /api/x?token=[redacted]&page=2")]
    [InlineData("GET /api/x?page=2&refresh_token=abc123", "GET /api/x?page=2&refresh_token=[redacted]")]
    [InlineData("/reset-password?Token=abc123 sent", "/reset-password?Token=[redacted] sent")]
    [InlineData("Host=db;Username=app;Password=s3cret;Database=cml", "Host=db;Username=app;Password=[redacted];Database=cml")]
    [InlineData("GET /api/public/responses/report/Abc_123-x?x=1", "GET /api/public/responses/report/[redacted]?x=1")]
    [InlineData("smtp://mailer:pa55@smtp.example.org:587", "smtp://mailer:[redacted]@smtp.example.org:587")]
    [InlineData("Shift 5 cancelled by 7; 12 volunteers emailed", "Shift 5 cancelled by 7; 12 volunteers emailed")]
    [InlineData("GET /api/map/locations?bbox=1,2,3,4&postalCode=T5K", "GET /api/map/locations?bbox=1,2,3,4&postalCode=T5K")]
    public void Redaction_hides_the_credential_and_keeps_the_rest(string text, string expected)
    {
        Assert.Equal(expected, LogRedaction.Redact(text));
    }
}
