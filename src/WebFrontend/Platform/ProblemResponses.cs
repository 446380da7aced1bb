namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// Declares, for the OpenAPI document, the problem+json answers a route gives besides its success: a 400 is a
/// validation problem (<c>errors</c> by field), any other status a plain problem. The success answer is declared by
/// the handler's <c>TypedResults</c> return type.
/// </summary>
public static class ProblemResponses
{
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statusCodes)
    {
        foreach (var statusCode in statusCodes)
            builder = statusCode == StatusCodes.Status400BadRequest ? builder.ProducesValidationProblem() : builder.ProducesProblem(statusCode);
        return builder;
    }

    /// <summary>A route behind a policy: 401 without a valid token, 403 when the caller's role or permissions do not allow it.</summary>
    public static RouteHandlerBuilder ProducesAuthProblems(this RouteHandlerBuilder builder) =>
        builder.ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
}
