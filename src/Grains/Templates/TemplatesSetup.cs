using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChangemakerLite.Grains.Templates;

public static class TemplatesSetup
{
    /// <summary>Registers what the template grains and the outbox sender need on a silo: the renderer and its cache, and the settings' encryption.</summary>
    public static IServiceCollection AddTemplateGrains(this IServiceCollection services)
    {
        services.TryAddSingleton<TemplateRenderer>();
        services.TryAddSingleton<SettingsEncryption>();
        return services;
    }
}
