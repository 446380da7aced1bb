using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// Reads a JSON body so that every mistake in it (wrong media type, malformed JSON, a value of the
/// wrong type, an unknown enum name, a string the database cannot hold: <see cref="RequestStrings"/>) becomes a
/// 400/415 that names the offending field, instead of the framework's bare 400 or a 500.
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
        // The whole body first, then one synchronous pass: the bodies are small (a batch of a thousand points is about
        // a hundred kilobytes, and Kestrel's body size limit still applies), and the streaming reader's resumable
        // parsing cost a visit or a batch of points noticeably more than parsing it at once.
        var body = request.BodyReader;
        var read = await body.ReadAsync(request.HttpContext.RequestAborted);
        while (!read.IsCompleted)
        {
            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            read = await body.ReadAsync(request.HttpContext.RequestAborted);
        }
        var buffer = read.Buffer;
        byte[]? rented = null;
        T? value;
        try
        {
            // One span holds the whole input, so the serializer also refuses anything after the value.
            ReadOnlySpan<byte> json;
            if (buffer.IsSingleSegment) json = buffer.FirstSpan;
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)buffer.Length);
                buffer.CopyTo(rented);
                json = rented.AsSpan(0, (int)buffer.Length);
            }
            // A string the database cannot hold (\u0000, an unpaired surrogate) is a 400 naming its field, for every route at once.
            if (RequestStrings.FindInJson(json, ReaderOptionsOf(options)) is { } unstorable)
                throw new RequestValidationException(unstorable.Field, unstorable.Problem);
            value = JsonSerializer.Deserialize<T>(json, options);
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
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
            body.AdvanceTo(buffer.End);
        }
        return value ?? throw new RequestValidationException("body", "A JSON object is required.");
    }

    private static JsonReaderOptions ReaderOptionsOf(JsonSerializerOptions options) => new()
    {
        AllowTrailingCommas = options.AllowTrailingCommas,
        CommentHandling = options.ReadCommentHandling,
        MaxDepth = options.MaxDepth == 0 ? 64 : options.MaxDepth,
    };
}
