using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Map.Geocoding;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Map.Jobs;

/// <summary>
/// Uploads are streamed by the frontend as chunks through this grain into PostgreSQL (map_import_chunks)
/// rather than kept on the frontend's disk or parsed there: frontends and silos may run on different
/// machines, the job must survive the frontend that received it, and a job restarted on another silo
/// after a crash must find its input again. The database is the one place every silo can read.
/// </summary>
public sealed class MapJobGrain(NpgsqlDataSource db, MapJobRunner runner, GeocodingService geocoding) : Grain, IMapJobGrain, IRemindable
{
    private const string ReminderName = "map-job";
    private Task? _running;
    private IGrainTimer? _watch;

    private Guid Id => this.GetPrimaryKey();

    public async Task BeginUpload(string type, Guid? userId)
    {
        if (type is not (MapJobTypes.NarImport or MapJobTypes.CsvImport)) throw DomainException.Invalid("type", "is not an import type.");
        var inserted = await db.Command("""
            INSERT INTO jobs (id, type, status, created_by_user_id) VALUES (@id, @type, 'pending', (SELECT id FROM users WHERE id = @user))
            ON CONFLICT (id) DO NOTHING
            """, ("id", Id), ("type", type), ("user", userId)).ExecuteAsync();
        if (inserted == 0) throw DomainException.Conflict("This job already exists.");
        // If the frontend dies mid-upload nobody calls Discard: the reminder removes the abandoned upload later.
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
    }

    public async Task AddFile(int fileNo, ImportFileKind kind, string? name)
    {
        await RequirePending();
        await db.Command("INSERT INTO map_import_files (job_id, file_no, kind, name) VALUES (@job, @no, @kind, @name)",
            ("job", Id), ("no", fileNo), ("kind", UploadStream.KindName(kind)), ("name", name is { Length: > 300 } ? name[..300] : name)).ExecuteAsync();
    }

    public async Task AppendChunk(int fileNo, int seq, byte[] data)
    {
        await db.Command("""
            INSERT INTO map_import_chunks (job_id, file_no, seq, data) VALUES (@job, @no, @seq, @data);
            UPDATE map_import_files SET bytes = bytes + @length, chunks = chunks + 1 WHERE job_id = @job AND file_no = @no;
            """, ("job", Id), ("no", fileNo), ("seq", seq), ("data", data), ("length", (long)data.Length)).ExecuteAsync();
    }

    public async Task StartNarImport(NarImportOptions options)
    {
        var files = await UploadStream.FilesOf(db, Id);
        if (!files.Any(f => f.Kind == ImportFileKind.NarAddress && f.Bytes > 0))
            throw DomainException.Invalid("addresses", "the register's address file (Address_<PR>.csv) is required and must not be empty.");
        if (!files.Any(f => f.Kind == ImportFileKind.NarLocation && f.Bytes > 0))
            throw DomainException.Invalid("locations", "the register's location file (Location_<PR>.csv) is required and must not be empty.");
        await Queue(JsonSerializer.Serialize(options, MapRows.JobJson));
    }

    public async Task StartCsvImport()
    {
        var files = await UploadStream.FilesOf(db, Id);
        if (!files.Any(f => f.Kind == ImportFileKind.Csv && f.Bytes > 0))
            throw DomainException.Invalid("file", "a non-empty CSV file is required.");
        await Queue("{}");
    }

    public async Task Discard()
    {
        await db.Command("DELETE FROM jobs WHERE id = @id AND status = 'pending'", ("id", Id)).ExecuteAsync();
        if (await IsFinished()) await UnregisterReminder();
        DeactivateOnIdle();
    }

    public async Task StartBulkGeocode(BulkGeocodeRequest request, Guid? userId)
    {
        if (request.Provider is { } provider && !geocoding.IsConfigured(provider))
            throw DomainException.Invalid("provider", $"{EnumWireNames.ToWireName(provider)} is not configured on this system.");
        if (request.Provider is null && geocoding.ConfiguredOrder.Count == 0)
            throw DomainException.Conflict("No geocoding provider is configured.");
        var inserted = await db.Command("""
            INSERT INTO jobs (id, type, status, payload, created_by_user_id)
            VALUES (@id, @type, 'queued', @payload::jsonb, (SELECT id FROM users WHERE id = @user))
            ON CONFLICT (id) DO NOTHING
            """, ("id", Id), ("type", MapJobTypes.BulkGeocode), ("payload", JsonSerializer.Serialize(request, MapRows.JobJson)), ("user", userId))
            .ExecuteAsync();
        if (inserted == 0) throw DomainException.Conflict("This job already exists.");
        await Launch();
    }

    private async Task Queue(string payloadJson)
    {
        var queued = await db.Command("""
            UPDATE jobs SET status = 'queued', payload = @payload::jsonb, updated_at = now() WHERE id = @id AND status = 'pending'
            """, ("id", Id), ("payload", payloadJson)).ExecuteAsync();
        if (queued == 0) throw DomainException.Conflict("The job is not waiting for its upload.");
        await Launch();
    }

    private async Task RequirePending()
    {
        var status = await db.Command("SELECT status FROM jobs WHERE id = @id", ("id", Id)).FirstOrDefaultAsync(r => (JobStatus?)r.Get<JobStatus>("status"));
        if (status is null) throw DomainException.NotFound("Job");
        if (status != JobStatus.Pending) throw DomainException.Conflict("The job is not waiting for its upload.");
    }

    private async Task Launch()
    {
        // The reminder outlives this activation and this silo: if the work dies with its silo, the next tick starts it again elsewhere.
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        if (_running is { IsCompleted: false }) return;
        _running = Task.Run(() => runner.RunAsync(Id));
        _watch ??= this.RegisterGrainTimer(WatchAsync, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))
        {
            KeepAlive = true,
            Interleave = true,
        });
    }

    /// <summary>Keeps the activation alive while the work runs (the timer's KeepAlive), then drops the reminder once the job ended.</summary>
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        if (_running is { IsCompleted: false }) return;
        _watch?.Dispose();
        _watch = null;
        if (await IsFinished()) await UnregisterReminder();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName || _running is { IsCompleted: false }) return;
        var abandoned = await db.Command(
            "DELETE FROM jobs WHERE id = @id AND status = 'pending' AND created_at < now() - @age",
            ("id", Id), ("age", AbandonedUploadAge)).ExecuteAsync();
        var current = await Status();
        if (abandoned > 0 || current is null or JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled) await UnregisterReminder();
        else if (current is JobStatus.Queued or JobStatus.Running) await Launch();
    }

    /// <summary>An upload still unfinished after this long was abandoned by its frontend.</summary>
    private static readonly TimeSpan AbandonedUploadAge = TimeSpan.FromHours(6);

    private Task<JobStatus?> Status() =>
        db.Command("SELECT status FROM jobs WHERE id = @id", ("id", Id)).FirstOrDefaultAsync(r => (JobStatus?)r.Get<JobStatus>("status"));

    private async Task<bool> IsFinished()
    {
        var status = await db.Command("SELECT status FROM jobs WHERE id = @id", ("id", Id)).FirstOrDefaultAsync(r => (JobStatus?)r.Get<JobStatus>("status"));
        return status is null or JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled;
    }

    private async Task UnregisterReminder()
    {
        var reminder = await this.GetReminder(ReminderName);
        if (reminder is not null) await this.UnregisterReminder(reminder);
    }
}
