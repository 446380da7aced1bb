namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>Cross-cutting routes. Health moved to the operations module (<c>Operations/OperationsFrontend.cs</c>).</summary>
public static class PlatformEndpoints
{
    public static IEndpointRouteBuilder MapPlatformEndpoints(this IEndpointRouteBuilder app) => app;
}
