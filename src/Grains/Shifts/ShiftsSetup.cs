using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>Tunables, from configuration (environment variables); defaults suit production.</summary>
public sealed record ShiftSettings(int SignupWriters)
{
    public static ShiftSettings From(IConfiguration configuration) => new(
        Math.Max(1, configuration.GetValue("SHIFT_SIGNUP_WRITERS", 2)));
}

public static class ShiftsSetup
{
    /// <summary>Registers what the shift grains need on a silo.</summary>
    public static IServiceCollection AddShiftGrains(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => ShiftSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton<SignupWriter>();
        return services;
    }
}
