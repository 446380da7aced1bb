using System.Buffers;
using System.Security.Cryptography;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Media;

/// <summary>
/// Receives one video without buffering it: the multipart file part is streamed to a staging file under
/// MEDIA_ROOT/.incoming (the library's own disk, so storing it is a rename) while SHA-256 is computed over the same
/// bytes. More than MEDIA_MAX_UPLOAD_BYTES is a 413. The video grain then probes the staged file, refuses a duplicate
/// or a file that is not a video, and moves it under its new UUID name; nothing is left behind on refusal.
/// </summary>
/// <remarks>
/// The copy is a three-stage pipeline over a few rotating 1 MiB blocks, so that on a multi-core machine reading the
/// connection, hashing and writing the disk run at the same time rather than one after the other: the multipart reader
/// takes up to a block from the connection at once (its own default is 4 KiB, i.e. 256 reads and boundary scans per
/// MiB); each filled block is hashed on the thread pool (in order, one block after the other) and written by the
/// file stream (in order) while the next block is read. Memory stays at <see cref="Blocks"/> blocks whatever the size.
/// Nothing per block goes to a grain or the database.
/// </remarks>
public static class MediaUploads
{
    public const int BlockBytes = 1024 * 1024;
    public const int Blocks = 3;
    private const int FieldMax = 10_000;

    /// <summary>An upload's file, staged under .incoming, and the form's text fields.</summary>
    public sealed record Staged(string Path, string? OriginalName, string Sha256, long Bytes, IReadOnlyDictionary<string, string> Fields);

    public static async Task<Video> ReceiveAsync(HttpContext context, IClusterClient cluster, MediaFrontendOptions options, Guid? userId)
    {
        string? stagedPath = null;
        try
        {
            var staged = await StageAsync(context, options, path => stagedPath = path);
            var fields = staged.Fields;
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
            if (staged.Bytes == 0) throw new RequestValidationException("file", "the file is empty.");

            return await cluster.GetGrain<IVideoGrain>(Ids.New()).Ingest(new IngestCommand(staged.Path, staged.OriginalName, staged.Sha256,
                directory ?? DirectoryType.Inbox, Blank(title), Blank(description), tags, Blank(category), userId));
        }
        finally
        {
            // Moved into the library on success; on any refusal or broken connection the staged bytes go.
            if (stagedPath is not null) File.Delete(stagedPath);
        }
    }

    /// <summary>
    /// Reads the multipart body: one file part streamed to <c>.incoming/&lt;uuid&gt;.part</c> with its SHA-256, and the small
    /// text fields. <paramref name="created"/> learns the staging path as soon as the file exists, so a caller can delete
    /// it whatever fails afterwards.
    /// </summary>
    public static async Task<Staged> StageAsync(HttpContext context, MediaFrontendOptions options, Action<string>? created = null)
    {
        // Room for the part headers and the small text fields around the file.
        var reader = MultipartUpload.Open(context, options.MaxUploadBytes + 1024 * 1024, BlockBytes);
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? path = null, originalName = null, sha256 = null;
        long bytes = 0;
        while (await MultipartUpload.NextPartAsync(reader, context.RequestAborted) is { } part)
        {
            if (!part.IsFile)
            {
                fields[part.Name] = await MultipartUpload.ReadText(part.Section.Body, FieldMax, part.Name);
                continue;
            }
            if (path is not null) throw new RequestValidationException("file", "send one file per upload.");
            Directory.CreateDirectory(options.IncomingFolder);
            path = Path.Combine(options.IncomingFolder, Ids.New() + ".part");
            originalName = part.FileName is { Length: > 0 } n ? Path.GetFileName(n) : null;
            (sha256, bytes) = await CopyAndHashAsync(part.Section.Body, path, options.MaxUploadBytes, created, context.RequestAborted);
        }
        if (path is null || sha256 is null) throw new RequestValidationException("file", "is required (a multipart part with a filename).");
        return new Staged(path, originalName, sha256, bytes, fields);
    }

    /// <summary>
    /// Copies <paramref name="body"/> to a new file at <paramref name="path"/>, hashing it on the way: block k is hashed
    /// and written while block k+1 is read. Past <paramref name="maxBytes"/> a 413. The SHA-256 (lower-case hex) and length.
    /// </summary>
    public static async Task<(string Sha256, long Bytes)> CopyAndHashAsync(Stream body, string path, long maxBytes, Action<string>? created,
        CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var blocks = new byte[Blocks][];
        for (var i = 0; i < Blocks; i++) blocks[i] = ArrayPool<byte>.Shared.Rent(BlockBytes);
        // Per block slot: the hash and the write still reading that block; the slot is refilled only after both.
        var pending = new Task[Blocks];
        Array.Fill(pending, Task.CompletedTask);
        Task hashing = Task.CompletedTask, writing = Task.CompletedTask;
        long total = 0;
        // bufferSize 0: the blocks go to the file as they are, with no second copy in a FileStream buffer.
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        created?.Invoke(path);
        try
        {
            for (var k = 0; ; k++)
            {
                var slot = k % Blocks;
                await pending[slot];
                var block = blocks[slot];
                var read = await MultipartUpload.Fill(body, block.AsMemory(0, BlockBytes), cancellationToken);
                if (read == 0) break;
                total += read;
                if (total > maxBytes)
                    throw new BadHttpRequestException($"The file is larger than {maxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
                var previousHash = hashing;
                hashing = Task.Run(async () =>
                {
                    await previousHash;
                    hash.AppendData(block, 0, read);
                }, CancellationToken.None);
                var previousWrite = writing;
                writing = WriteAfter(previousWrite, file, block.AsMemory(0, read), cancellationToken);
                pending[slot] = Task.WhenAll(hashing, writing);
                if (read < BlockBytes) break;
            }
            await Task.WhenAll(hashing, writing);
        }
        finally
        {
            // The blocks go back to the pool only once no hash or write reads them (after a failure too, before the
            // file is closed and the caller deletes it).
            try { await Task.WhenAll(pending); } catch { /* the first failure is the one that matters */ }
            foreach (var block in blocks) ArrayPool<byte>.Shared.Return(block);
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), total);
    }

    private static async Task WriteAfter(Task previous, FileStream file, ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        await previous;
        await file.WriteAsync(block, cancellationToken);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
