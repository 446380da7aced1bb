using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChangemakerLite.Grains.Media;

public static class MediaSetup
{
    /// <summary>Registers what the media grains need on a silo.</summary>
    public static IServiceCollection AddMediaGrains(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => MediaSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton<MediaProbe>();
        services.TryAddSingleton<MediaWork>();
        return services;
    }
}
