using ChangemakerLite.Grains.Interfaces.Platform;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChangemakerLite.WebFrontend.Platform;

public static class PlatformEndpoints
{
    public sealed record LiveReport(string Status);

    /// <summary>The cluster and the database answered; <c>silo</c> is the silo that ran the check.</summary>
    public sealed record ReadyReport(string Status, string Cluster, string Database, string? Silo);

    public sealed record NotReadyReport(string Status, string Cluster, string Database);

    public static IEndpointRouteBuilder MapPlatformEndpoints(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health").AllowAnonymous();

        health.MapGet("/live", () => TypedResults.Ok(new LiveReport("live")))
            .WithSummary("The process is up.");

        health.MapGet("/ready", async Task<Results<Ok<ReadyReport>, JsonHttpResult<NotReadyReport>>> (IClusterClient client, CancellationToken cancellationToken) =>
        {
            try
            {
                var report = await client.GetGrain<IPlatformHealthGrain>(0).Check()
                    .WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
                return report.DatabaseReachable
                    ? TypedResults.Ok(new ReadyReport("ready", "reachable", "reachable", report.SiloAddress))
                    : TypedResults.Json(new NotReadyReport("not ready", "reachable", "unreachable"), statusCode: 503);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return TypedResults.Json(new NotReadyReport("not ready", "unreachable", "unknown"), statusCode: 503);
            }
        }).WithSummary("The cluster and the database answer.").Produces<NotReadyReport>(StatusCodes.Status503ServiceUnavailable);

        return app;
    }
}
