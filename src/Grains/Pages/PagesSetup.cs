using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChangemakerLite.Grains.Pages;

public static class PagesSetup
{
    /// <summary>Registers what the page grains need on a silo: the MkDocs folder settings and the one exporter that writes there.</summary>
    public static IServiceCollection AddPagesGrains(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => MkdocsSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton<MkdocsExporter>();
        return services;
    }
}
