using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// The clock the canvassing rules read (the 12-hour abandonment, visit and fix timestamps). It is a keyed
/// service so that tests can move canvassing time forward by hours without also moving the clock that
/// Orleans membership, leases and email retries run on.
/// </summary>
public static class CanvassClock
{
    public const string Key = "canvass";
}

/// <summary>Tunables, from configuration (environment variables); defaults suit production.</summary>
public sealed record CanvassSettings(
    TimeSpan AbandonCheckPeriod,
    TimeSpan SweepPeriod,
    int TrackWriters,
    int TrackMaxRowsPerTransaction,
    TimeSpan CutProgressInterval,
    int VisitWriters,
    TimeSpan CutRecountInterval,
    TimeSpan ConflictWindow,
    TimeSpan SafetyStoppedAfter,
    double SafetyOutsideMeters,
    double SafetyStationaryRadiusMeters,
    TimeSpan SafetySweepPeriod)
{
    public static CanvassSettings From(IConfiguration configuration) => new(
        // Each session's reminder ticks this often (and first when the 12 hours are up, if sooner).
        TimeSpan.FromSeconds(configuration.GetValue("CANVASS_ABANDON_CHECK_SECONDS", 3600.0)),
        TimeSpan.FromSeconds(configuration.GetValue("CANVASS_SWEEP_SECONDS", 300.0)),
        Math.Max(1, configuration.GetValue("CANVASS_TRACK_WRITERS", 3)),
        Math.Max(1000, configuration.GetValue("CANVASS_TRACK_MAX_ROWS", 4_000)),
        TimeSpan.FromSeconds(configuration.GetValue("CANVASS_CUT_PROGRESS_SECONDS", 2.0)),
        // One writer: it keeps up with thousands of visits a second in batches that grow with the load, and a second one
        // only split them into twice the statements and commits (more CPU per visit in the silo and in PostgreSQL).
        Math.Max(1, configuration.GetValue("CANVASS_VISIT_WRITERS", 1)),
        // How stale a cut's door count may grow while its visits are added one by one (see CutProgressGrain).
        TimeSpan.FromSeconds(configuration.GetValue("CANVASS_CUT_RECOUNT_SECONDS", 300.0)),
        // Two canvassers knocking one door within this many hours is a conflict for an admin to review.
        TimeSpan.FromHours(Math.Max(0, configuration.GetValue("CANVASS_CONFLICT_HOURS", 24.0))),
        // A canvasser who stays within SafetyStationaryRadiusMeters this long while their session is ACTIVE raises an alert.
        TimeSpan.FromMinutes(Math.Max(0.01, configuration.GetValue("SAFETY_STOPPED_MINUTES", 15.0))),
        Math.Max(0, configuration.GetValue("SAFETY_OUTSIDE_METERS", 200.0)),
        Math.Max(1, configuration.GetValue("SAFETY_STATIONARY_RADIUS_METERS", 25.0)),
        // How often the sweep looks for sessions past their shift's end and fixes that stopped coming (alerts within 10 s).
        TimeSpan.FromSeconds(Math.Max(0.2, configuration.GetValue("SAFETY_SWEEP_SECONDS", 3.0))));
}

public static class CanvassSetup
{
    /// <summary>Registers what the canvassing grains need on a silo.</summary>
    public static IServiceCollection AddCanvassGrains(this IServiceCollection services)
    {
        services.TryAddKeyedSingleton<TimeProvider>(CanvassClock.Key, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.TryAddSingleton(sp => CanvassSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton<TrackWriter>();
        services.TryAddSingleton<VisitWriter>();
        services.TryAddSingleton<CutVisitRelay>();
        services.TryAddSingleton<DoorVisitNotices>();
        services.TryAddSingleton<CutAddressCache>();
        services.TryAddSingleton(sp => LeaseSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton<LeaseWriter>();
        return services;
    }
}
