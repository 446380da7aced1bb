using System.Globalization;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;
using System.Threading.Channels;
using NpgsqlTypes;

namespace ChangemakerLite.Grains.Map.Jobs;

/// <summary>
/// Imports the National Address Register (docs/external-formats.md §2): every Location file of the upload is
/// copied into a temporary table first (address and location parts do not pair up, so the whole map of
/// LOC_GUID → point is needed before any address), then the Address files are streamed in batches:
/// binary COPY into a temporary table, then set-based upserts keyed on LOC_GUID and ADDR_GUID, with their
/// history rows, in one transaction per batch. Memory holds one batch, whatever the size of the register.
/// Re-importing the same files changes nothing: rows are only rewritten when a value differs.
/// </summary>
public sealed class NarImporter(
    NpgsqlConnection connection,
    NpgsqlDataSource db,
    JobProgress progress,
    Guid? userId,
    DateTime jobStartedAt,
    NarImportOptions options)
{
    public const int BatchSize = 20_000;

    // Rows created by an import carry no created_by/updated_by: their history row (and the job) name the user, and two
    // foreign-key checks per row less is a tenth of the import's database time. Rows an import changes do name the user.

    private static readonly string[] LatitudeColumns = ["BG_LATITUDE", "REPPOINT_LATITUDE", "BF_REPPOINT_LATITUDE", "LATITUDE"];
    private static readonly string[] LongitudeColumns = ["BG_LONGITUDE", "REPPOINT_LONGITUDE", "BF_REPPOINT_LONGITUDE", "LONGITUDE"];
    private static readonly string[] FederalDistrictColumns = ["FED_ENG_NAME", "FED_2021_ENG_NAME", "FED_2016_ENG_NAME"];

    // Canada Post writes these French street types before the name ("RUE PRINCIPALE", "CH DU LAC").
    private static readonly HashSet<string> TypeFirst = new(StringComparer.OrdinalIgnoreCase)
    {
        "RUE", "CH", "CHEMIN", "BOUL", "BOULEVARD", "AV", "AVENUE", "MONTÉE", "MONTEE", "CÔTE", "COTE", "ALLÉE", "ALLEE", "RANG",
        "RTE", "ROUTE", "IMP", "IMPASSE", "CARRÉ", "CERCLE", "CROIS", "PROM", "SENT", "PASS", "TSSE", "RLE", "RUELLE", "QUAI", "PLACE",
    };

    private long _inserted;
    private long _updated;
    private long _addressesInserted;
    private long _addressesUpdated;
    private long _filtered;
    private long _addressesSeen;
    private long _locationRows;

    public sealed record Summary(
        long AddressRows, long LocationRows, long LocationsCreated, long LocationsUpdated, long AddressesCreated, long AddressesUpdated,
        long Unchanged, long Filtered, long Errors);

    public async Task<Summary> RunAsync(IReadOnlyList<ImportFile> files, CancellationToken cancellationToken)
    {
        // The LOC_GUID map is read by every writer, so it is a real (unlogged: rebuilt by a rerun anyway) table of this job.
        await Execute($"""
            SET synchronous_commit = off;
            DROP TABLE IF EXISTS {LocationMap};
            CREATE UNLOGGED TABLE {LocationMap} (loc_guid text COLLATE "C" NOT NULL, lat float8, lng float8, fed text);
            """, cancellationToken);
        var writers = new List<NpgsqlConnection>();
        try
        {
            var addressFiles = files.Where(f => f.Kind == ImportFileKind.NarAddress).ToList();
            progress.Total = 0;
            foreach (var file in addressFiles) progress.Total += CountDataLines(file);
            await progress.ReportAsync(force: true, cancellationToken);

            foreach (var file in files.Where(f => f.Kind == ImportFileKind.NarLocation))
                await LoadLocations(file, cancellationToken);
            await Execute($"CREATE INDEX ON {LocationMap} (loc_guid); ANALYZE {LocationMap};", cancellationToken);

            for (var i = 0; i < Writers; i++) writers.Add(await OpenWriter(cancellationToken));
            foreach (var file in addressFiles)
                await ImportAddresses(file, writers, cancellationToken);
        }
        finally
        {
            foreach (var writer in writers) await writer.DisposeAsync();
            await Execute($"DROP TABLE IF EXISTS {LocationMap}; RESET synchronous_commit;", CancellationToken.None);
        }
        progress.Total = progress.Processed;
        return new Summary(progress.Processed, _locationRows, _inserted, _updated, _addressesInserted, _addressesUpdated,
            _addressesSeen - _addressesInserted - _addressesUpdated, _filtered, progress.ErrorCount);
    }

    /// <summary>A first, cheap pass: line breaks in the file, for a progress total (quoted line breaks make it a slight overestimate).</summary>
    private long CountDataLines(ImportFile file)
    {
        using var stream = new UploadStream(db, progress.JobId, file.FileNo);
        var buffer = new byte[1 << 16];
        long lines = 0;
        var last = (byte)'\n';
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            last = buffer[read - 1];
        }
        if (last != '\n') lines++;
        return Math.Max(0, lines - 1);
    }

    private Task Execute(string sql, CancellationToken cancellationToken) => connection.Command(sql).ExecuteAsync(cancellationToken);

    /// <summary>The job's LOC_GUID → point table; the name is built from the job id only (hex digits), never from input.</summary>
    private string LocationMap => $"map_nar_loc_{progress.JobId:N}";

    /// <summary>
    /// Address batches are written by two connections at once: on two cores one upserts while the other does, and the
    /// database, not the parsing, is the bottleneck. Each writer has its own temporary staging tables.
    /// </summary>
    private const int Writers = 2;

    private async Task<NpgsqlConnection> OpenWriter(CancellationToken cancellationToken)
    {
        var writer = await db.OpenConnectionAsync(cancellationToken);
        // Identifiers are COLLATE "C", as locations.loc_guid and addresses.addr_guid are: joins and sorts compare bytes.
        await writer.Command("""
            SET synchronous_commit = off;
            DROP TABLE IF EXISTS nar_addr, nar_res, nar_new, nar_recount;
            CREATE TEMP TABLE nar_addr (line bigint, file_no int, addr_id uuid, loc_id uuid, loc_guid text COLLATE "C", addr_guid text COLLATE "C", unit text,
                address text, postal text, province text, building_use int, lat float8, lng float8);
            CREATE TEMP TABLE nar_res (line bigint, file_no int, addr_id uuid, loc_id uuid, loc_guid text COLLATE "C", addr_guid text COLLATE "C", unit text,
                address text, postal text, province text, building_use int, lat float8, lng float8, fed text);
            CREATE TEMP TABLE nar_new (id uuid PRIMARY KEY);
            CREATE TEMP TABLE nar_recount (id uuid PRIMARY KEY);
            """).ExecuteAsync(cancellationToken);
        return writer;
    }

    private static Dictionary<string, int> Header(CsvRecordReader reader)
    {
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < reader.Fields.Count; i++)
            columns.TryAdd(reader.Fields[i].Trim().TrimStart('\uFEFF').Trim('"'), i);
        return columns;
    }

    private static int Column(Dictionary<string, int> header, params string[] names)
    {
        foreach (var name in names)
            if (header.TryGetValue(name, out var index)) return index;
        return -1;
    }

    private static string Field(CsvRecordReader reader, int index) =>
        index >= 0 && index < reader.Fields.Count ? reader.Fields[index].Trim() : "";

    private static double? Number(string text) =>
        text.Length > 0 && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    private async Task LoadLocations(ImportFile file, CancellationToken cancellationToken)
    {
        var name = file.Name ?? $"file {file.FileNo}";
        await using var stream = new UploadStream(db, progress.JobId, file.FileNo);
        var reader = CsvRecordReader.Open(stream);
        if (!reader.Read()) { progress.Error(name, null, "the location file is empty."); return; }
        var header = Header(reader);
        var guid = Column(header, "LOC_GUID");
        var latitudes = LatitudeColumns.Select(c => Column(header, c)).ToArray();
        var longitudes = LongitudeColumns.Select(c => Column(header, c)).ToArray();
        var fed = Column(header, FederalDistrictColumns);
        if (guid < 0 || latitudes.All(i => i < 0) || longitudes.All(i => i < 0))
        {
            progress.Error(name, 1, "the location file needs LOC_GUID and a latitude/longitude pair (BG_LATITUDE, REPPOINT_LATITUDE or BF_REPPOINT_LATITUDE).");
            return;
        }

        var importer = await connection.BeginBinaryImportAsync($"COPY {LocationMap} (loc_guid, lat, lng, fed) FROM STDIN (FORMAT BINARY)", cancellationToken);
        try
        {
            while (reader.Read())
            {
                if (reader.Error is not null) { progress.Error(name, reader.RecordLine, reader.Error); continue; }
                if (reader.Fields.Count != header.Count)
                {
                    progress.Error(name, reader.RecordLine, $"expected {header.Count} columns, found {reader.Fields.Count}.");
                    continue;
                }
                var loc = Field(reader, guid);
                if (loc.Length == 0) { progress.Error(name, reader.RecordLine, "LOC_GUID is empty."); continue; }
                double? lat = null, lng = null;
                for (var i = 0; i < latitudes.Length && (lat is null || lng is null); i++)
                {
                    lat = latitudes[i] >= 0 ? Number(Field(reader, latitudes[i])) : null;
                    lng = longitudes[i] >= 0 ? Number(Field(reader, longitudes[i])) : null;
                }
                if (lat is null || lng is null || lat is < -90 or > 90 || lng is < -180 or > 180) { lat = null; lng = null; }
                // Synchronous writes fill Npgsql's buffer without a task per field; it flushes to the socket as it fills.
                importer.StartRow();
                importer.Write(loc, NpgsqlDbType.Text);
                WriteNullable(importer, lat);
                WriteNullable(importer, lng);
                var district = Field(reader, fed);
                WriteNullable(importer, district.Length == 0 ? null : district);
                // Synchronous writes do not see the token: a register's millions of rows still stop on shutdown.
                if (++_locationRows % 65_536 == 0) cancellationToken.ThrowIfCancellationRequested();
            }
            await importer.CompleteAsync(cancellationToken);
        }
        finally
        {
            await importer.DisposeAsync();
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter importer, double? value)
    {
        if (value is { } v) importer.Write(v, NpgsqlDbType.Double);
        else importer.WriteNull();
    }

    private static void WriteNullable(NpgsqlBinaryImporter importer, string? value)
    {
        if (value is { } v) importer.Write(v, NpgsqlDbType.Text);
        else importer.WriteNull();
    }

    private sealed class AddressColumns(Dictionary<string, int> h)
    {
        public readonly int LocGuid = Column(h, "LOC_GUID");
        public readonly int AddrGuid = Column(h, "ADDR_GUID");
        public readonly int Apt = Column(h, "APT_NO_LABEL");
        public readonly int Civic = Column(h, "CIVIC_NO");
        public readonly int Suffix = Column(h, "CIVIC_NO_SUFFIX");
        public readonly int OfficialName = Column(h, "OFFICIAL_STREET_NAME");
        public readonly int OfficialType = Column(h, "OFFICIAL_STREET_TYPE");
        public readonly int OfficialDir = Column(h, "OFFICIAL_STREET_DIR");
        public readonly int MailName = Column(h, "MAIL_STREET_NAME");
        public readonly int MailType = Column(h, "MAIL_STREET_TYPE");
        public readonly int MailDir = Column(h, "MAIL_STREET_DIR", "MAIL_STEET_DIR");
        public readonly int Province = Column(h, "PROV_CODE");
        public readonly int ProvinceAbbreviation = Column(h, "MAIL_PROV_ABVN");
        public readonly int MailCity = Column(h, "MAIL_MUN_NAME");
        public readonly int CsdName = Column(h, "CSD_ENG_NAME");
        public readonly int Postal = Column(h, "MAIL_POSTAL_CODE");
        public readonly int X = Column(h, "BG_X");
        public readonly int Y = Column(h, "BG_Y");
        public readonly int NonCivic = Column(h, "BU_N_CIVIC_ADD");
        public readonly int Use = Column(h, "BU_USE");
    }

    /// <summary>
    /// Parsing (C#) and writing (PostgreSQL) overlap: a reader task turns the file into batches while the writers copy
    /// and upsert the previous ones. The channel holds at most two batches, so memory stays flat.
    /// </summary>
    private async Task ImportAddresses(ImportFile file, IReadOnlyList<NpgsqlConnection> writers, CancellationToken cancellationToken)
    {
        var name = file.Name ?? $"file {file.FileNo}";
        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(2) { SingleReader = false, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(() => ReadBatches(file, batches.Writer, stop.Token), CancellationToken.None);
        var writing = writers.Select(writer => Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in batches.Reader.ReadAllAsync(stop.Token))
                    await Write(writer, file.FileNo, name, batch, stop.Token);
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }, CancellationToken.None)).ToList();
        try
        {
            await Task.WhenAll(writing);
        }
        finally
        {
            // Stops the reader when writing failed; after a normal end it has finished already.
            await stop.CancelAsync();
            try { await reading; } catch (OperationCanceledException) { }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private readonly SemaphoreSlim _progressGate = new(1, 1);

    private async Task Write(NpgsqlConnection writer, int fileNo, string name, Batch batch, CancellationToken cancellationToken)
    {
        BatchResult? result = null;
        if (batch.Rows.Count > 0)
        {
            await Copy(writer, fileNo, batch.Rows, cancellationToken);
            // Two writers may meet on the same building; the rolled-back transaction left the batch staged: write it again.
            result = await DatabaseRetry.DeadlockOrSerialization.RunAsync(() => WriteBatch(writer, cancellationToken));
        }
        await _progressGate.WaitAsync(cancellationToken);
        try
        {
            foreach (var (line, message) in batch.Errors) progress.Error(name, line == 0 ? null : line, message);
            _filtered += batch.Filtered;
            if (result is not null)
            {
                foreach (var (line, message) in result.Errors) progress.Error(name, line, message);
                _inserted += result.Inserted;
                _updated += result.Updated;
                _addressesInserted += result.AddressesInserted;
                _addressesUpdated += result.AddressesUpdated;
                _addressesSeen += result.AddressesSeen;
                _filtered += result.Filtered;
            }
            progress.Processed += batch.Processed;
            await progress.ReportAsync(cancellationToken: cancellationToken);
        }
        finally
        {
            _progressGate.Release();
        }
    }

    private sealed class Batch
    {
        public readonly List<AddressRow> Rows = new(BatchSize);
        public readonly List<(long Line, string Message)> Errors = [];
        public long Processed;
        public long Filtered;
    }

    private void ReadBatches(ImportFile file, ChannelWriter<Batch> output, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = new UploadStream(db, progress.JobId, file.FileNo);
            var reader = CsvRecordReader.Open(stream);
            var batch = new Batch();
            if (!reader.Read())
            {
                batch.Errors.Add((0, "the address file is empty."));
                Send(batch);
            }
            else
            {
                var header = Header(reader);
                var c = new AddressColumns(header);
                if (c.LocGuid < 0 || c.AddrGuid < 0)
                {
                    batch.Errors.Add((1, "the address file needs the LOC_GUID and ADDR_GUID columns."));
                    Send(batch);
                }
                else
                {
                    var provinces = options.ProvinceCodes is { Count: > 0 } p ? p.ToHashSet() : null;
                    var prefixes = options.PostalCodePrefixes is { Count: > 0 } pre ? pre : null;
                    var seen = new Dictionary<string, long>(StringComparer.Ordinal);
                    while (reader.Read())
                    {
                        batch.Processed++;
                        if (ParseAddress(reader, header.Count, c, batch, provinces, prefixes) is not { } row) continue;
                        if (seen.TryGetValue(row.AddrGuid, out var firstLine))
                        {
                            batch.Errors.Add((reader.RecordLine, $"ADDR_GUID {row.AddrGuid} repeats line {firstLine}; the first one is kept."));
                            continue;
                        }
                        seen[row.AddrGuid] = reader.RecordLine;
                        batch.Rows.Add(row);
                        if (batch.Rows.Count >= BatchSize)
                        {
                            Send(batch);
                            batch = new Batch();
                            seen.Clear();
                        }
                    }
                    Send(batch);
                }
            }
            output.TryComplete();
        }
        catch (Exception ex)
        {
            output.TryComplete(ex);
        }

        void Send(Batch b)
        {
            // Blocking is intended: the reader waits while two batches are queued, which is what keeps memory flat.
            if (!output.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult()) throw new OperationCanceledException();
            output.TryWrite(b);
        }
    }

    private static async Task Copy(NpgsqlConnection connection, int fileNo, List<AddressRow> rows, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync(
            "COPY nar_addr (line, file_no, addr_id, loc_id, loc_guid, addr_guid, unit, address, postal, province, building_use, lat, lng) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        foreach (var r in rows)
        {
            importer.StartRow();
            importer.Write(r.Line, NpgsqlDbType.Bigint);
            importer.Write(fileNo, NpgsqlDbType.Integer);
            // Ids made here (UUIDv7 like Ids.New()); the location id is used only by the row that creates the building.
            importer.Write(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
            importer.Write(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
            importer.Write(r.LocGuid, NpgsqlDbType.Text);
            importer.Write(r.AddrGuid, NpgsqlDbType.Text);
            WriteNullable(importer, r.Unit);
            importer.Write(r.Address, NpgsqlDbType.Text);
            WriteNullable(importer, r.Postal);
            WriteNullable(importer, r.Province);
            if (r.BuildingUse is { } use) importer.Write(use, NpgsqlDbType.Integer);
            else importer.WriteNull();
            WriteNullable(importer, r.Latitude);
            WriteNullable(importer, r.Longitude);
        }
        await importer.CompleteAsync(cancellationToken);
    }

    private readonly record struct AddressRow(
        long Line, string LocGuid, string AddrGuid, string? Unit, string Address, string? Postal, string? Province, int? BuildingUse,
        double? Latitude, double? Longitude);

    private AddressRow? ParseAddress(CsvRecordReader reader, int columns, AddressColumns c, Batch batch, HashSet<string>? provinces, IReadOnlyList<string>? prefixes)
    {
        var line = reader.RecordLine;
        if (reader.Error is not null) { batch.Errors.Add((line, reader.Error)); return null; }
        if (reader.Fields.Count != columns) { batch.Errors.Add((line, $"expected {columns} columns, found {reader.Fields.Count}.")); return null; }
        var locGuid = Field(reader, c.LocGuid);
        var addrGuid = Field(reader, c.AddrGuid);
        if (locGuid.Length == 0) { batch.Errors.Add((line, "LOC_GUID is empty.")); return null; }
        if (addrGuid.Length == 0) { batch.Errors.Add((line, "ADDR_GUID is empty.")); return null; }

        int? use = null;
        var useText = Field(reader, c.Use);
        if (useText.Length > 0)
        {
            if (!int.TryParse(useText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed is < 1 or > 4)
            {
                batch.Errors.Add((line, $"BU_USE '{useText}' is not one of 1, 2, 3, 4."));
                return null;
            }
            use = parsed;
        }
        // Releases without BU_USE cannot be filtered on it; every row is kept then.
        if (options.ResidentialOnly && c.Use >= 0 && use is not (1 or 2)) { batch.Filtered++; return null; }

        var provinceCode = Field(reader, c.Province);
        if (provinces is not null && !provinces.Contains(provinceCode)) { batch.Filtered++; return null; }

        var postalText = Field(reader, c.Postal);
        var postal = PostalCode.Normalize(postalText);
        if (postal is null && postalText.Length > 0)
            batch.Errors.Add((line, $"MAIL_POSTAL_CODE '{postalText}' is not a valid postal code; the address is imported without it."));
        if (prefixes is not null && (postal is null || !prefixes.Any(prefix => postal.StartsWith(prefix, StringComparison.Ordinal))))
        {
            batch.Filtered++;
            return null;
        }

        var address = ComposeAddress(reader, c);
        if (address is null) { batch.Errors.Add((line, "the row has neither a civic address nor a delivery address.")); return null; }

        double? lat = null, lng = null;
        if (Number(Field(reader, c.X)) is { } x && Number(Field(reader, c.Y)) is { } y)
        {
            (lat, lng) = StatCanLambert.ToLatLng(x, y);
            if (lat is < -90 or > 90 || lng is < -180 or > 180 || !double.IsFinite(lat.Value) || !double.IsFinite(lng.Value)) { lat = null; lng = null; }
        }
        var unit = Field(reader, c.Apt);
        var province = NarProvinces.AbbreviationByCode.TryGetValue(provinceCode, out var abbreviation)
            ? abbreviation
            : Field(reader, c.ProvinceAbbreviation) is { Length: > 0 } abbr ? abbr : null;
        return new AddressRow(line, locGuid, addrGuid, unit.Length == 0 ? null : unit, address, postal, province, use, lat, lng);
    }

    /// <summary>"123A MAIN ST W, VANCOUVER": Canada Post's street when the row has one, else the official one (about 957k rows lack it).</summary>
    private static string? ComposeAddress(CsvRecordReader reader, AddressColumns c)
    {
        var civic = Field(reader, c.Civic);
        var suffix = Field(reader, c.Suffix);
        if (civic.Length > 0 && suffix.Length > 0) civic = suffix.All(char.IsLetter) ? civic + suffix : $"{civic} {suffix}";

        var mail = Field(reader, c.MailName);
        var (streetName, type, direction) = mail.Length > 0
            ? (mail, Field(reader, c.MailType), Field(reader, c.MailDir))
            : (Field(reader, c.OfficialName), Field(reader, c.OfficialType), Field(reader, c.OfficialDir));
        var street = streetName.Length == 0
            ? ""
            : string.Join(' ', (TypeFirst.Contains(type) ? new[] { type, streetName, direction } : new[] { streetName, type, direction }).Where(s => s.Length > 0));

        var first = civic.Length > 0 || street.Length > 0
            ? string.Join(' ', new[] { civic, street }.Where(s => s.Length > 0))
            : Field(reader, c.NonCivic);
        if (first.Length == 0) return null;
        var city = Field(reader, c.MailCity) is { Length: > 0 } mailCity ? mailCity : Field(reader, c.CsdName);
        return city.Length > 0 ? $"{first}, {city}" : first;
    }

    private sealed record BatchResult(long Inserted, long Updated, long AddressesInserted, long AddressesUpdated, long AddressesSeen, long Filtered,
        List<(long Line, string Message)> Errors);

    private async Task<BatchResult> WriteBatch(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var errors = new List<(long, string)>();
        long inserted, updated, addressesInserted, addressesUpdated, addressesSeen, filtered = 0;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.Command($"""
            TRUNCATE nar_res, nar_new, nar_recount;
            INSERT INTO nar_res (line, file_no, addr_id, loc_id, loc_guid, addr_guid, unit, address, postal, province, building_use, lat, lng, fed)
            SELECT a.line, a.file_no, a.addr_id, a.loc_id, a.loc_guid, a.addr_guid, a.unit, a.address, a.postal, a.province, a.building_use,
                   CASE WHEN l.lat IS NOT NULL AND l.lng IS NOT NULL THEN l.lat ELSE a.lat END,
                   CASE WHEN l.lat IS NOT NULL AND l.lng IS NOT NULL THEN l.lng ELSE a.lng END,
                   l.fed
            FROM nar_addr a
            LEFT JOIN LATERAL (SELECT n.lat, n.lng, n.fed FROM {LocationMap} n WHERE n.loc_guid = a.loc_guid
                               ORDER BY (n.lat IS NULL) LIMIT 1) l ON true;
            TRUNCATE nar_addr;
            -- Without statistics the planner may hash-join a batch against every location instead of probing the index.
            ANALYZE nar_res;
            """, transaction).ExecuteAsync(cancellationToken);
        await using (var missing = connection.Command(
            "DELETE FROM nar_res WHERE lat IS NULL OR lng IS NULL RETURNING line, loc_guid", transaction))
        await using (var reader = await missing.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                errors.Add((reader.GetInt64(0), $"no coordinates: LOC_GUID {reader.GetString(1)} is not in the location file and the row has no BG_X/BG_Y."));

        if (options.Bbox is { } box)
            filtered = await connection.Command(
                "DELETE FROM nar_res WHERE NOT (lat BETWEEN @minLat AND @maxLat AND lng BETWEEN @minLng AND @maxLng)", transaction,
                ("minLat", box.MinLat), ("maxLat", box.MaxLat), ("minLng", box.MinLng), ("maxLng", box.MaxLng)).ExecuteAsync(cancellationToken);

        var jobId = progress.JobId.ToString();
        await using (var locations = connection.Command("""
            WITH src AS (
                SELECT DISTINCT ON (loc_guid) loc_id, loc_guid, round(lat::numeric, 8) AS lat, round(lng::numeric, 8) AS lng, address, postal,
                       province, fed, building_use, count(*) OVER (PARTITION BY loc_guid) AS units
                FROM nar_res ORDER BY loc_guid, unit NULLS FIRST, line
            ), up AS (
                INSERT INTO locations AS l (id, latitude, longitude, address, postal_code, province, federal_district, building_use, loc_guid,
                    building_type, total_units, geocode_confidence)
                SELECT loc_id, lat, lng, address, postal, province, fed, building_use, loc_guid,
                    CASE WHEN units > 1 THEN 'MULTI_UNIT'::building_type ELSE 'SINGLE_FAMILY'::building_type END, units, 100
                FROM src
                ON CONFLICT (loc_guid) DO UPDATE SET latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude, address = EXCLUDED.address,
                    postal_code = EXCLUDED.postal_code, province = EXCLUDED.province, federal_district = EXCLUDED.federal_district,
                    building_use = EXCLUDED.building_use, updated_by_user_id = @user, updated_at = now()
                WHERE (l.latitude, l.longitude, l.address, l.postal_code, l.province, l.federal_district, l.building_use)
                      IS DISTINCT FROM (EXCLUDED.latitude, EXCLUDED.longitude, EXCLUDED.address, EXCLUDED.postal_code, EXCLUDED.province,
                                        EXCLUDED.federal_district, EXCLUDED.building_use)
                RETURNING l.id, l.loc_guid, l.latitude, l.longitude, l.address, l.postal_code, l.province, l.federal_district, l.building_use,
                          (l.xmax = 0) AS created
            ), old AS (
                -- Every part of one statement reads the table as of the statement's start, so these are the values before
                -- the upsert (when the other writer changed the same building meanwhile, the values before that change).
                -- Only changed buildings are looked up, so a first import or an unchanged rerun looks up none.
                SELECT l.loc_guid, l.latitude, l.longitude, l.address, l.postal_code, l.province, l.federal_district, l.building_use
                FROM locations l JOIN up ON up.loc_guid = l.loc_guid AND NOT up.created
            ), history AS (
                INSERT INTO location_history (id, location_id, user_id, action, field, old_value, new_value, metadata)
                SELECT map_uuid_v7(), up.id, @user, 'IMPORTED_NAR', c.field, c.old_value, c.new_value,
                       jsonb_build_object('jobId', @job::text, 'locGuid', up.loc_guid)
                FROM up LEFT JOIN old ON old.loc_guid = up.loc_guid
                CROSS JOIN LATERAL (
                    SELECT NULL::text AS field, NULL::text AS old_value, up.address AS new_value WHERE up.created
                    UNION ALL
                    SELECT v.field, v.o, v.n FROM (VALUES
                        ('coordinates', old.latitude::text || ',' || old.longitude::text, up.latitude::text || ',' || up.longitude::text),
                        ('address', old.address, up.address),
                        ('postalCode', old.postal_code, up.postal_code),
                        ('province', old.province, up.province),
                        ('federalDistrict', old.federal_district, up.federal_district),
                        ('buildingUse', old.building_use::text, up.building_use::text)) AS v(field, o, n)
                    WHERE NOT up.created AND v.o IS DISTINCT FROM v.n
                ) c
                RETURNING 1
            ), fresh AS (
                INSERT INTO nar_new (id) SELECT id FROM up WHERE created
                RETURNING 1
            )
            SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM up
            """, transaction, ("user", userId), ("job", jobId)))
        await using (var reader = await locations.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            inserted = reader.GetInt64(0);
            updated = reader.GetInt64(1);
        }
        await using (var addresses = connection.Command("""
            WITH src AS (
                SELECT DISTINCT ON (r.addr_guid) r.addr_id, r.addr_guid, r.unit, l.id AS location_id, l.created_at < @started AS existing_location
                FROM nar_res r JOIN locations l ON l.loc_guid = r.loc_guid
                ORDER BY r.addr_guid, r.line
            ), up AS (
                INSERT INTO addresses AS a (id, location_id, unit_number, addr_guid)
                SELECT addr_id, location_id, unit, addr_guid FROM src
                ON CONFLICT (addr_guid) DO UPDATE SET location_id = EXCLUDED.location_id, unit_number = EXCLUDED.unit_number,
                    updated_by_user_id = @user, updated_at = now()
                WHERE (a.location_id, a.unit_number) IS DISTINCT FROM (EXCLUDED.location_id, EXCLUDED.unit_number)
                RETURNING a.id, a.addr_guid, a.location_id, a.unit_number, (a.xmax = 0) AS created
            ), old AS (
                -- As for buildings: the units' values before this statement, looked up for the changed ones only.
                SELECT a.addr_guid, a.unit_number FROM addresses a JOIN up ON up.addr_guid = a.addr_guid AND NOT up.created
            ), moved AS (
                -- The buildings that changed units leave, one probe per changed unit. Kept apart from old on purpose: with
                -- old read twice (here and by the history insert) a million-address import took 84 s of database CPU, not 56 s.
                SELECT o.location_id FROM up CROSS JOIN LATERAL (
                    SELECT a.location_id FROM addresses a WHERE a.addr_guid = up.addr_guid LIMIT 1) o
                WHERE NOT up.created
            ), recount AS (
                INSERT INTO nar_recount (id)
                SELECT location_id FROM src WHERE location_id NOT IN (SELECT id FROM nar_new)
                UNION SELECT location_id FROM moved
                RETURNING 1
            ), history AS (
                INSERT INTO location_history (id, location_id, user_id, action, field, old_value, new_value, metadata)
                SELECT map_uuid_v7(), up.location_id, @user, 'IMPORTED_NAR', 'unit', old.unit_number, up.unit_number,
                       jsonb_build_object('jobId', @job::text, 'addrGuid', up.addr_guid, 'addressId', up.id)
                FROM up JOIN src ON src.addr_guid = up.addr_guid LEFT JOIN old ON old.addr_guid = up.addr_guid
                WHERE NOT up.created OR src.existing_location
                RETURNING 1
            )
            SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created), (SELECT count(*) FROM src) FROM up
            """, transaction, ("user", userId), ("job", jobId), ("started", jobStartedAt)))
        await using (var reader = await addresses.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            addressesInserted = reader.GetInt64(0);
            addressesUpdated = reader.GetInt64(1);
            addressesSeen = reader.GetInt64(2);
        }
        // Units of a building can arrive in several batches (or several imports), and a newer release can move a unit to
        // another building: a count follows the addresses the building has, down to none. Buildings this transaction
        // created (nar_new) were given their batch's count already; the others whose units changed are in nar_recount,
        // analyzed first so that the planner probes those few buildings instead of scanning them all.
        await connection.Command("""
            ANALYZE nar_recount;
            UPDATE locations l SET total_units = c.n,
                building_type = CASE WHEN c.n > 1 AND l.building_type = 'SINGLE_FAMILY' THEN 'MULTI_UNIT'::building_type ELSE l.building_type END
            FROM (SELECT r.id AS location_id, (SELECT count(*) FROM addresses a WHERE a.location_id = r.id) AS n FROM nar_recount r) c
            WHERE l.id = c.location_id AND l.total_units IS DISTINCT FROM c.n
            """, transaction).ExecuteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new BatchResult(inserted, updated, addressesInserted, addressesUpdated, addressesSeen, filtered, errors);
    }
}
