using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChangemakerLite.Grains.Platform.Metrics;

/// <summary>
/// The domain's own instruments, in one <see cref="Meter"/> named <see cref="MeterName"/>. Each call site is one
/// line (<c>ChangemakerMetrics.VisitsStored(n)</c>); OpenTelemetry exports them at <c>/metrics</c> with the
/// ASP.NET Core, Orleans, Npgsql and runtime instruments. Prometheus names: dots become underscores and counters
/// gain <c>_total</c> (<c>changemaker_visits_stored_total</c>).
/// </summary>
public static class ChangemakerMetrics
{
    public const string MeterName = "ChangemakerLite";

    private static readonly Meter Meter = new(MeterName, "1.0");

    private static readonly Counter<long> Visits = Meter.CreateCounter<long>("changemaker.visits.stored", "{visit}",
        "Canvass visits committed (a replayed clientVisitId is not counted again).");
    private static readonly Counter<long> Points = Meter.CreateCounter<long>("changemaker.points.stored", "{point}",
        "GPS track points committed.");
    private static readonly Counter<long> Signups = Meter.CreateCounter<long>("changemaker.signups.stored", "{signup}",
        "Shift signups committed.");
    private static readonly Counter<long> Emails = Meter.CreateCounter<long>("changemaker.emails", "{email}",
        "Outbox emails by status: queued, sent, retried, failed.");
    private static readonly Counter<long> MediaJobs = Meter.CreateCounter<long>("changemaker.media.jobs", "{job}",
        "Media jobs entering a state: queued, running, done, failed.");
    private static readonly Counter<long> LivePublished = Meter.CreateCounter<long>("changemaker.live.events.published", "{event}",
        "Live events published by grains to the frontends' relays.");
    private static readonly Histogram<long> BatchItems = Meter.CreateHistogram<long>("changemaker.group_commit.batch.items", "{item}",
        "Items (grain requests) per group-commit transaction, by writer.",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
    private static readonly Histogram<long> BatchWeight = Meter.CreateHistogram<long>("changemaker.group_commit.batch.rows", "{row}",
        "Rows (visits, points, signups) per group-commit transaction, by writer.",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384] });
    private static readonly Histogram<double> BatchWait = Meter.CreateHistogram<double>("changemaker.group_commit.wait", "s",
        "From a grain handing a write over to its transaction committing (or failing), by writer.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    public static void VisitsStored(long count) { if (count > 0) Visits.Add(count); }

    public static void PointsStored(long count) { if (count > 0) Points.Add(count); }

    public static void SignupsStored(long count) { if (count > 0) Signups.Add(count); }

    /// <param name="status">queued, sent, retried or failed.</param>
    public static void Email(string status, long count = 1) => Emails.Add(count, new KeyValuePair<string, object?>("status", status));

    /// <param name="state">The job's new state, as its wire name (queued, running, done, failed).</param>
    public static void MediaJob(string state) => MediaJobs.Add(1, new KeyValuePair<string, object?>("state", state));

    public static void LiveEventPublished() => LivePublished.Add(1);

    /// <summary>One group-commit transaction: its items, rows, and how long its oldest item waited until answered.</summary>
    public static void GroupCommit(string writer, int items, int rows, long oldestEnqueuedTimestamp)
    {
        var tag = new KeyValuePair<string, object?>("writer", writer);
        BatchItems.Record(items, tag);
        BatchWeight.Record(rows, tag);
        BatchWait.Record(Stopwatch.GetElapsedTime(oldestEnqueuedTimestamp).TotalSeconds, tag);
    }
}
