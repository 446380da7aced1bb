using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Platform;

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
        var reader = MultipartUpload.Open(context, maxBytes);
        var files = new List<(ImportFileKind, string?)>();
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var buffer = new byte[ChunkBytes];
        while (await MultipartUpload.NextPartAsync(reader, context.RequestAborted) is { } part)
        {
            var (section, name, fileName) = (part.Section, part.Name, part.FileName);
            if (part.IsFile)
            {
                var kind = kindOf(name, fileName) ?? throw new RequestValidationException(name.Length == 0 ? "file" : name, "is not a file this import takes.");
                var fileNo = files.Count;
                files.Add((kind, fileName));
                await job.AddFile(fileNo, kind, fileName);
                var seq = 0;
                while (true)
                {
                    var filled = await MultipartUpload.Fill(section.Body, buffer, context.RequestAborted);
                    if (filled == 0) break;
                    await job.AppendChunk(fileNo, seq++, buffer.AsSpan(0, filled).ToArray());
                    if (filled < buffer.Length) break;
                }
                if (seq == 0) throw new RequestValidationException(name, "the file is empty.");
            }
            else
            {
                fields[name] = await MultipartUpload.ReadText(section.Body, 10_000, name);
            }
        }
        return new Upload(files, fields);
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
