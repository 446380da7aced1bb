using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Platform;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ChangemakerLite.WebFrontend.Map;

/// <summary>
/// Receives an import upload without buffering it: the multipart body is read section by section and each
/// file is forwarded in fixed-size chunks to the job grain, which stores them in PostgreSQL. Nothing lands on
/// this frontend's disk (the silo that runs the job may be another machine), memory holds one chunk, and
/// a refused or broken upload is discarded whole.
/// </summary>
public static class MapUploads
{
    public const int ChunkBytes = 2 * 1024 * 1024;

    public sealed record Upload(IReadOnlyList<(ImportFileKind Kind, string? Name)> Files, Dictionary<string, string> Fields);

    public static async Task<Upload> ReceiveAsync(HttpContext context, IMapJobGrain job, Func<string, string?, ImportFileKind?> kindOf, long maxBytes)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = maxBytes;
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) ||
            !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) ||
            HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
            throw new RequestValidationException(new Dictionary<string, string[]> { ["body"] = ["Content-Type must be multipart/form-data."] },
                StatusCodes.Status415UnsupportedMediaType);

        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 };
        var files = new List<(ImportFileKind, string?)>();
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var buffer = new byte[ChunkBytes];
        MultipartSection? section;
        while ((section = await ReadSection(reader, context.RequestAborted)) is not null)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                throw new RequestValidationException("body", "every part needs a Content-Disposition: form-data header.");
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (disposition.IsFileDisposition())
            {
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                var kind = kindOf(name, fileName) ?? throw new RequestValidationException(name.Length == 0 ? "file" : name, "is not a file this import takes.");
                var fileNo = files.Count;
                files.Add((kind, fileName));
                await job.AddFile(fileNo, kind, fileName);
                var seq = 0;
                while (true)
                {
                    var filled = await Fill(section.Body, buffer, context.RequestAborted);
                    if (filled == 0) break;
                    await job.AppendChunk(fileNo, seq++, buffer.AsSpan(0, filled).ToArray());
                    if (filled < buffer.Length) break;
                }
                if (seq == 0) throw new RequestValidationException(name, "the file is empty.");
            }
            else
            {
                using var text = new StreamReader(section.Body);
                var value = await ReadLimited(text, 10_000, name);
                fields[name] = value;
            }
        }
        return new Upload(files, fields);
    }

    private static async Task<MultipartSection?> ReadSection(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken);
        }
        // Kestrel's "body too large" is an IOException too: it stays a 413, not a malformed body.
        catch (IOException ex) when (ex is not EndOfStreamException and not BadHttpRequestException)
        {
            throw new RequestValidationException("body", "the multipart body is malformed: " + ex.Message);
        }
        catch (InvalidDataException ex)
        {
            throw new RequestValidationException("body", "the multipart body is malformed: " + ex.Message);
        }
    }

    private static async Task<int> Fill(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0) break;
            filled += read;
        }
        return filled;
    }

    private static async Task<string> ReadLimited(StreamReader reader, int max, string name)
    {
        var buffer = new char[max + 1];
        var total = 0;
        int read;
        while (total <= max && (read = await reader.ReadAsync(buffer.AsMemory(total))) > 0) total += read;
        if (total > max) throw new RequestValidationException(name, $"must be at most {max} characters.");
        return new string(buffer, 0, total);
    }

    /// <summary>Runs an upload and its start; any failure (bad input, a broken connection) discards what was stored.</summary>
    public static async Task<Guid> RunAsync(HttpContext context, IClusterClient client, string type, Guid? userId,
        Func<IMapJobGrain, Task> receiveAndStart)
    {
        var jobId = Ids.New();
        var job = client.GetGrain<IMapJobGrain>(jobId);
        await job.BeginUpload(type, userId);
        try
        {
            await receiveAndStart(job);
        }
        catch
        {
            await job.Discard();
            throw;
        }
        return jobId;
    }
}
