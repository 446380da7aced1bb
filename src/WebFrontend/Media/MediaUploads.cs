using System.Security.Cryptography;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Media;

/// <summary>
/// Receives one video without buffering it: the multipart file part is copied in 1 MiB blocks to a staging file under
/// MEDIA_ROOT/.incoming (the library's own disk, so storing it is a rename) while SHA-256 is computed over the same
/// blocks. More than MEDIA_MAX_UPLOAD_BYTES is a 413. The video grain then probes the staged file, refuses a
/// duplicate or a file that is not a video, and moves it under its new UUID name; nothing is left behind on refusal.
/// </summary>
public static class MediaUploads
{
    private const int BlockBytes = 1024 * 1024;
    private const int FieldMax = 10_000;

    public static async Task<Video> ReceiveAsync(HttpContext context, IClusterClient cluster, MediaFrontendOptions options, Guid? userId)
    {
        // Room for the part headers and the small text fields around the file.
        var reader = MultipartUpload.Open(context, options.MaxUploadBytes + 1024 * 1024);
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? staged = null, originalName = null, sha256 = null;
        try
        {
            while (await MultipartUpload.NextPartAsync(reader, context.RequestAborted) is { } part)
            {
                if (!part.IsFile)
                {
                    fields[part.Name] = await MultipartUpload.ReadText(part.Section.Body, FieldMax, part.Name);
                    continue;
                }
                if (staged is not null) throw new RequestValidationException("file", "send one file per upload.");
                Directory.CreateDirectory(options.IncomingFolder);
                staged = Path.Combine(options.IncomingFolder, Ids.New() + ".part");
                originalName = part.FileName is { Length: > 0 } n ? Path.GetFileName(n) : null;
                sha256 = await CopyAndHash(part.Section.Body, staged, options.MaxUploadBytes, context.RequestAborted);
            }
            if (staged is null || sha256 is null) throw new RequestValidationException("file", "is required (a multipart part with a filename).");

            var validation = new Validation();
            fields.TryGetValue("title", out var title);
            fields.TryGetValue("description", out var description);
            fields.TryGetValue("category", out var category);
            validation.MaxLength("title", title, 300);
            validation.MaxLength("description", description, 5000);
            validation.MaxLength("category", category, 100);
            var directory = fields.TryGetValue("directoryType", out var rawDirectory)
                ? QueryEnum.Parse<DirectoryType>(validation, "directoryType", rawDirectory) : DirectoryType.Inbox;
            IReadOnlyList<string>? tags = fields.TryGetValue("tags", out var rawTags)
                ? rawTags.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : null;
            validation.ThrowIfInvalid();
            if (new FileInfo(staged).Length == 0) throw new RequestValidationException("file", "the file is empty.");

            return await cluster.GetGrain<IVideoGrain>(Ids.New()).Ingest(new IngestCommand(staged, originalName, sha256,
                directory ?? DirectoryType.Inbox, Blank(title), Blank(description), tags, Blank(category), userId));
        }
        finally
        {
            // Moved into the library on success; on any refusal or broken connection the staged bytes go.
            if (staged is not null) File.Delete(staged);
        }
    }

    private static async Task<string> CopyAndHash(Stream body, string path, long maxBytes, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BlockBytes];
        long total = 0;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
        {
            int read;
            while ((read = await MultipartUpload.Fill(body, buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > maxBytes)
                    throw new BadHttpRequestException($"The file is larger than {maxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
