using ChangemakerLite.Grains.Interfaces.Settings;
using Microsoft.AspNetCore.Http.Metadata;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// Which modules are switched on, as this frontend last heard from the site settings grain (it asks every
/// <c>SETTINGS_POLL_MS</c>, 1000 by default; one in-memory grain read). Until the first answer every module is on.
/// The toggle is keyed on the tag a module's endpoint group carries (<c>.WithTags("Map")</c>), never on paths, so a
/// module added later is covered by adding its tag to <see cref="ToggleOf"/>; tags it does not name are never off.
/// </summary>
public sealed class FeatureToggleState(IClusterClient cluster, IConfiguration configuration, ILogger<FeatureToggleState> logger) : BackgroundService
{
    private readonly TimeSpan _interval = TimeSpan.FromMilliseconds(Math.Max(50, configuration.GetValue("SETTINGS_POLL_MS", 1000)));
    private volatile FeatureToggles _toggles = FeatureToggles.AllOn;

    public FeatureToggles Current => _toggles;

    /// <summary>The toggle that switches a module's tag, or null when the tag's routes are never switched off (Auth, Settings, Templates, Platform…).</summary>
    public static Func<FeatureToggles, bool>? ToggleOf(string tag) => tag switch
    {
        "Influence" => t => t.EnableInfluence,
        "Map" or "Shifts" or "Canvassing" => t => t.EnableMap,
        "Pages" => t => t.EnableLandingPages,
        "Media" => t => t.EnableMedia,
        "Newsletter" => t => t.EnableNewsletter,
        _ => null,
    };

    /// <summary>The first of the tags whose module is switched off, or null.</summary>
    public string? SwitchedOff(IReadOnlyList<string> tags)
    {
        var toggles = _toggles;
        foreach (var tag in tags)
            if (ToggleOf(tag) is { } isOn && !isOn(toggles)) return tag;
        return null;
    }

    /// <summary>The first tag of an endpoint's tags metadata whose module is switched off, or null; asked on every request, so it allocates nothing.</summary>
    public string? SwitchedOff(IReadOnlyList<ITagsMetadata> metadata)
    {
        var toggles = _toggles;
        for (var i = 0; i < metadata.Count; i++)
            foreach (var tag in metadata[i].Tags)
                if (ToggleOf(tag) is { } isOn && !isOn(toggles)) return tag;
        return null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _toggles = (await cluster.GetGrain<ISiteSettingsGrain>(0).GetPublic().WaitAsync(TimeSpan.FromSeconds(10), stoppingToken)).Features;
                failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The cluster may not be up yet; the last known toggles stay in force.
                if (++failures % 30 == 1) logger.LogWarning(ex, "Could not read the feature toggles");
            }
            try { await Task.Delay(_interval, stoppingToken); } catch (OperationCanceledException) { }
        }
    }
}

public static class FeatureToggleMiddleware
{
    public static IServiceCollection AddFeatureToggles(this IServiceCollection services)
    {
        services.AddSingleton<FeatureToggleState>();
        services.AddHostedService(sp => sp.GetRequiredService<FeatureToggleState>());
        return services;
    }

    /// <summary>
    /// A route of a module switched off answers 404 (problem+json), before authentication: to every caller the module
    /// is simply not there. Runs after routing has chosen the endpoint, reading its tags metadata.
    /// </summary>
    public static IApplicationBuilder UseFeatureToggles(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var tags = context.GetEndpoint()?.Metadata.GetOrderedMetadata<ITagsMetadata>();
        if (tags is { Count: > 0 }
            && context.RequestServices.GetRequiredService<FeatureToggleState>().SwitchedOff(tags) is { } module)
        {
            await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found",
                detail: $"The {module} module is switched off on this site.").ExecuteAsync(context);
            return;
        }
        await next(context);
    });
}
