using ChangemakerLite.Grains.Interfaces.Platform;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// Turns the exceptions that describe a client's mistake into RFC 7807 answers with the right status,
/// so that nothing the client did wrong ever comes back as a 500.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            RequestValidationException validation => new HttpValidationProblemDetails(validation.Errors)
            {
                Status = validation.StatusCode,
                Title = validation.StatusCode == StatusCodes.Status415UnsupportedMediaType ? "Unsupported media type" : "Invalid request",
                Detail = string.Join(" ", validation.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))),
            },
            DomainException domain => FromDomain(domain),
            BadHttpRequestException bad => new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                Detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body exceeds the limit of this endpoint." : bad.Message,
            },
            _ when Unavailable(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service unavailable",
                Detail = "The database or a part of the cluster is briefly unreachable; nothing was done. Try again shortly.",
            },
            _ => null,
        };
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = UnavailableRetryAfterSeconds;
            logger.LogWarning("Unavailable on {Method} {Path}: {Error}", httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name);
        }
        if (exception is DomainException { Kind: DomainErrorKind.RateLimited } limited &&
            limited.Extensions.TryGetValue("retryAfterSeconds", out var retryAfter))
            httpContext.Response.Headers.RetryAfter = retryAfter;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private const string UnavailableRetryAfterSeconds = "2";

    /// <summary>
    /// A failure of infrastructure rather than of the request: the database refused or dropped the connection, a silo
    /// died mid-call, a call timed out. The request may be repeated as it is (writes are idempotent or were not
    /// committed), so it is a 503 with Retry-After, not a 500.
    /// </summary>
    public static bool Unavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ServiceUnavailableException or System.Net.Sockets.SocketException or TimeoutException
                or SiloUnavailableException or OrleansMessageRejectionException)
                return true;
            if (e is System.Data.Common.DbException db) return db.IsTransient;
            if (e.GetType().Name is "ConnectionFailedException" or "ConnectionAbortedException") return true;
            if (e is AggregateException { InnerExceptions.Count: 1 } aggregate) return Unavailable(aggregate.InnerExceptions[0]);
        }
        return false;
    }

    private static ProblemDetails FromDomain(DomainException domain)
    {
        var status = domain.Kind switch
        {
            DomainErrorKind.Invalid => StatusCodes.Status400BadRequest,
            DomainErrorKind.NotFound => StatusCodes.Status404NotFound,
            DomainErrorKind.Conflict => StatusCodes.Status409Conflict,
            DomainErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            DomainErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
            DomainErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
            _ => StatusCodes.Status400BadRequest,
        };
        ProblemDetails problem = domain.Kind == DomainErrorKind.Invalid && domain.Field is not null
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]> { [domain.Field] = [domain.Message] })
            : new ProblemDetails();
        problem.Status = status;
        problem.Title = domain.Kind switch
        {
            DomainErrorKind.Invalid => "Invalid request",
            DomainErrorKind.NotFound => "Not found",
            DomainErrorKind.Conflict => "Conflict",
            DomainErrorKind.Forbidden => "Forbidden",
            DomainErrorKind.Unauthorized => "Unauthorized",
            _ => "Too many requests",
        };
        problem.Detail = domain.Field is null ? domain.Message : $"{domain.Field}: {domain.Message}";
        foreach (var (key, value) in domain.Extensions) problem.Extensions[key] = value;
        return problem;
    }
}
