using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// Reads a JSON body so that every mistake in it (wrong media type, malformed JSON, a value of the
/// wrong type, an unknown enum name) becomes a 400/415 that names the offending field, instead of the
/// framework's bare 400.
/// </summary>
public static class RequestJson
{
    public static async Task<T> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (!request.HasJsonContentType())
            throw new RequestValidationException(
                new Dictionary<string, string[]> { ["body"] = ["Content-Type must be application/json."] },
                StatusCodes.Status415UnsupportedMediaType);
        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        T? value;
        try
        {
            value = await request.ReadFromJsonAsync<T>(options, request.HttpContext.RequestAborted);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            var expectedAt = ex.Message.IndexOf("Expected one of", StringComparison.Ordinal);
            var message = expectedAt >= 0
                ? ex.Message[expectedAt..].Split(" Path:")[0]
                : field == "body" ? "The body is not valid JSON." : "The value has the wrong type or format.";
            throw new RequestValidationException(field, message);
        }
        return value ?? throw new RequestValidationException("body", "A JSON object is required.");
    }
}
