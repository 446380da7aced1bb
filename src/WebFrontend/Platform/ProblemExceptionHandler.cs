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
            _ => null,
        };
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
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
