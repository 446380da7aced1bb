using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Map.Jobs;

public sealed record ImportFile(int FileNo, ImportFileKind Kind, string? Name, long Bytes);

/// <summary>
/// Reads one uploaded file back from map_import_chunks, one chunk in memory at a time, on a pooled
/// connection of its own (the import's connection is busy with COPY while this one is read).
/// </summary>
public sealed class UploadStream(NpgsqlDataSource db, Guid jobId, int fileNo) : Stream
{
    private byte[] _chunk = [];
    private int _offset;
    private int _nextSeq;
    private bool _end;
    private long _position;

    public static async Task<IReadOnlyList<ImportFile>> FilesOf(NpgsqlDataSource db, Guid jobId) =>
        await db.Command("SELECT file_no, kind, name, bytes FROM map_import_files WHERE job_id = @job ORDER BY file_no", ("job", jobId))
            .ListAsync(r => new ImportFile(r.Get<int>("file_no"), KindOf(r.Get<string>("kind")), r.GetOrNull<string>("name"), r.Get<long>("bytes")));

    public static string KindName(ImportFileKind kind) => kind switch
    {
        ImportFileKind.NarAddress => "nar_address",
        ImportFileKind.NarLocation => "nar_location",
        _ => "csv",
    };

    private static ImportFileKind KindOf(string name) => name switch
    {
        "nar_address" => ImportFileKind.NarAddress,
        "nar_location" => ImportFileKind.NarLocation,
        _ => ImportFileKind.Csv,
    };

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_offset >= _chunk.Length && !Fetch()) return 0;
        var n = Math.Min(buffer.Length, _chunk.Length - _offset);
        _chunk.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        _position += n;
        return n;
    }

    private bool Fetch()
    {
        while (!_end)
        {
            using var command = db.CreateCommand("SELECT data FROM map_import_chunks WHERE job_id = @job AND file_no = @file AND seq = @seq");
            command.Parameters.AddWithValue("job", jobId);
            command.Parameters.AddWithValue("file", fileNo);
            command.Parameters.AddWithValue("seq", _nextSeq++);
            if (command.ExecuteScalar() is not byte[] data) { _end = true; return false; }
            _chunk = data;
            _offset = 0;
            if (data.Length > 0) return true;
        }
        return false;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
