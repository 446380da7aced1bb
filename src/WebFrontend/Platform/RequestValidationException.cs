namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>Bad input found by the frontend before anything reached a grain; becomes a 400 naming the fields.</summary>
public sealed class RequestValidationException(IDictionary<string, string[]> errors, int statusCode = StatusCodes.Status400BadRequest)
    : Exception("The request is not valid.")
{
    public IDictionary<string, string[]> Errors { get; } = errors;
    public int StatusCode { get; } = statusCode;

    public RequestValidationException(string field, string message)
        : this(new Dictionary<string, string[]> { [field] = [message] })
    {
    }
}
