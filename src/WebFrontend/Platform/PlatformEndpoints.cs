using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.WebFrontend.Platform;

public static class PlatformEndpoints
{
    public static IEndpointRouteBuilder MapPlatformEndpoints(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health").AllowAnonymous();

        health.MapGet("/live", () => Results.Ok(new { status = "live" }))
            .WithSummary("The process is up.");

        health.MapGet("/ready", async (IClusterClient client, CancellationToken cancellationToken) =>
        {
            try
            {
                var report = await client.GetGrain<IPlatformHealthGrain>(0).Check()
                    .WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
                return report.DatabaseReachable
                    ? Results.Ok(new { status = "ready", cluster = "reachable", database = "reachable", silo = report.SiloAddress })
                    : Results.Json(new { status = "not ready", cluster = "reachable", database = "unreachable" }, statusCode: 503);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return Results.Json(new { status = "not ready", cluster = "unreachable", database = "unknown" }, statusCode: 503);
            }
        }).WithSummary("The cluster and the database answer.");

        return app;
    }
}
