using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// The plumbing of a streamed multipart upload, shared by the modules that take large files (map imports, media):
/// the body limit of the one request, the boundary, section by section reading with malformed bodies as 400s,
/// filling a fixed buffer from a part, and small text fields read with a length limit. Nothing is buffered whole.
/// </summary>
public static class MultipartUpload
{
    /// <summary>MultipartReader's own read buffer (4 KiB): each read of a part returns at most this much.</summary>
    public const int DefaultReadBufferBytes = 4 * 1024;

    /// <summary>
    /// A reader over the request's multipart body, allowing up to <paramref name="maxBytes"/> for this request; 415 when it
    /// is not multipart/form-data. <paramref name="readBufferBytes"/> is how much the reader takes from the connection at
    /// once: large files want a large one (fewer, larger reads and boundary scans).
    /// </summary>
    public static MultipartReader Open(HttpContext context, long maxBytes, int readBufferBytes = DefaultReadBufferBytes)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = maxBytes;
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) ||
            !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) ||
            HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
            throw new RequestValidationException(new Dictionary<string, string[]> { ["body"] = ["Content-Type must be multipart/form-data."] },
                StatusCodes.Status415UnsupportedMediaType);
        return new MultipartReader(boundary, request.Body, Math.Max(readBufferBytes, boundary.Length + 8)) { HeadersLengthLimit = 16 * 1024 };
    }

    /// <summary>A part: its form field name and, for a file, its file name.</summary>
    public sealed record Part(MultipartSection Section, string Name, string? FileName, bool IsFile);

    public static async Task<Part?> NextPartAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        var section = await ReadSection(reader, cancellationToken);
        if (section is null) return null;
        if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
            !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
            throw new RequestValidationException("body", "every part needs a Content-Disposition: form-data header.");
        var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
        var isFile = disposition.IsFileDisposition();
        var fileName = isFile ? HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value : null;
        if (RequestStrings.ProblemOf(name) is { } nameProblem) throw new RequestValidationException("body", "a part's name " + nameProblem);
        if (RequestStrings.ProblemOf(fileName) is { } fileProblem) throw new RequestValidationException(name, "the file name " + fileProblem);
        return new Part(section, name, fileName, isFile);
    }

    public static async Task<MultipartSection?> ReadSection(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken);
        }
        catch (IOException ex) when (ex is not EndOfStreamException and not BadHttpRequestException)
        {
            throw new RequestValidationException("body", "the multipart body is malformed: " + ex.Message);
        }
        catch (InvalidDataException ex)
        {
            throw new RequestValidationException("body", "the multipart body is malformed: " + ex.Message);
        }
    }

    /// <summary>Reads until the buffer is full or the part ends; the count read.</summary>
    public static Task<int> Fill(Stream stream, byte[] buffer, CancellationToken cancellationToken) =>
        Fill(stream, buffer.AsMemory(), cancellationToken);

    /// <summary>Reads until <paramref name="buffer"/> is full or the part ends; the count read.</summary>
    public static async Task<int> Fill(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[filled..], cancellationToken);
            if (read == 0) break;
            filled += read;
        }
        return filled;
    }

    /// <summary>A text part of at most <paramref name="max"/> characters, or a 400 naming it.</summary>
    public static async Task<string> ReadText(Stream body, int max, string name)
    {
        using var reader = new StreamReader(body);
        var buffer = new char[max + 1];
        var total = 0;
        int read;
        while (total <= max && (read = await reader.ReadAsync(buffer.AsMemory(total))) > 0) total += read;
        if (total > max) throw new RequestValidationException(name, $"must be at most {max} characters.");
        var text = new string(buffer, 0, total);
        if (RequestStrings.ProblemOf(text) is { } problem) throw new RequestValidationException(name, problem);
        return text;
    }
}
