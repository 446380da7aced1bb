using ChangemakerLite.Grains.Influence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In the DI namespace so that hosts register the module with one line and no extra using.
namespace Microsoft.Extensions.DependencyInjection;

public static class InfluenceSetup
{
    /// <summary>The silo side of the influence module: its settings and the Represent client.</summary>
    public static IServiceCollection AddInfluenceGrains(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => InfluenceSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.AddHttpClient(nameof(RepresentClient), c =>
        {
            c.DefaultRequestHeaders.UserAgent.ParseAdd("ChangemakerLite/1.0 (+https://github.com/changemaker-lite)");
            c.Timeout = Timeout.InfiniteTimeSpan; // the client's own per-call timeout decides
        }).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.TryAddSingleton(sp => new RepresentClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(RepresentClient)), sp.GetRequiredService<InfluenceSettings>()));
        return services;
    }
}
