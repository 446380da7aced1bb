using System.Globalization;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;
using NpgsqlTypes;

namespace ChangemakerLite.Grains.Map.Jobs;

/// <summary>
/// Imports a spreadsheet of doors: one row per unit, columns found by name (the cut export's columns, and
/// the usual spellings: lat/lng, postcode, apt…). A building is the same address at the same point; a
/// unit is the same unit number in that building. Re-importing a file updates those rows instead of
/// adding new ones. Rows need coordinates: a locations table without a point cannot hold them.
/// </summary>
public sealed class CsvImporter(NpgsqlConnection connection, NpgsqlDataSource db, JobProgress progress, Guid? userId)
{
    public const int BatchSize = 10_000;

    private long _locationsCreated;
    private long _addressesCreated;
    private long _addressesUpdated;
    private long _rowsWritten;

    public sealed record Summary(long Rows, long LocationsCreated, long AddressesCreated, long AddressesUpdated, long Unchanged, long Errors);

    private static readonly Dictionary<string, string[]> Aliases = new()
    {
        ["address"] = ["address", "streetaddress", "street", "fulladdress"],
        ["unit"] = ["unit", "unitnumber", "apt", "aptnolabel", "suite", "apartment"],
        ["latitude"] = ["latitude", "lat", "y"],
        ["longitude"] = ["longitude", "lng", "lon", "long", "x"],
        ["postalCode"] = ["postalcode", "postal", "postcode", "mailpostalcode"],
        ["province"] = ["province", "prov", "provincecode"],
        ["federalDistrict"] = ["federaldistrict", "riding", "fedengname"],
        ["buildingType"] = ["buildingtype"],
        ["buildingNotes"] = ["buildingnotes"],
        ["firstName"] = ["firstname", "first", "givenname"],
        ["lastName"] = ["lastname", "last", "surname", "familyname"],
        ["email"] = ["email", "emailaddress"],
        ["phone"] = ["phone", "phonenumber", "telephone"],
        ["supportLevel"] = ["supportlevel", "support"],
        ["sign"] = ["sign", "lawnsign"],
        ["signSize"] = ["signsize"],
        ["notes"] = ["notes", "note", "comments"],
    };

    private static string Normalize(string header) =>
        new(header.Trim().TrimStart('\uFEFF').Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    public async Task<Summary> RunAsync(IReadOnlyList<ImportFile> files, CancellationToken cancellationToken)
    {
        await connection.Command("""
            SET synchronous_commit = off;
            DROP TABLE IF EXISTS csv_rows;
            CREATE TEMP TABLE csv_rows (line bigint, address text, unit text, lat numeric(10,8), lng numeric(11,8), postal text, province text,
                fed text, building_type text, building_notes text, first_name text, last_name text, email text, phone text,
                support text, sign boolean, sign_size text, notes text);
            """).ExecuteAsync(cancellationToken);
        progress.Total = 0;
        foreach (var file in files.Where(f => f.Kind == ImportFileKind.Csv)) progress.Total += Math.Max(0, file.Bytes > 0 ? CountLines(file) : 0);
        await progress.ReportAsync(force: true, cancellationToken);
        foreach (var file in files.Where(f => f.Kind == ImportFileKind.Csv))
            await ImportFile(file, cancellationToken);
        progress.Total = progress.Processed;
        await connection.Command("DROP TABLE IF EXISTS csv_rows; RESET synchronous_commit;").ExecuteAsync(cancellationToken);
        return new Summary(progress.Processed, _locationsCreated, _addressesCreated, _addressesUpdated,
            _rowsWritten - _addressesCreated - _addressesUpdated, progress.ErrorCount);
    }

    private long CountLines(ImportFile file)
    {
        using var stream = new UploadStream(db, progress.JobId, file.FileNo);
        var buffer = new byte[1 << 16];
        long lines = 0;
        int read;
        var last = (byte)'\n';
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            last = buffer[read - 1];
        }
        if (last != '\n') lines++;
        return Math.Max(0, lines - 1);
    }

    private async Task ImportFile(ImportFile file, CancellationToken cancellationToken)
    {
        var name = file.Name ?? $"file {file.FileNo}";
        await using var stream = new UploadStream(db, progress.JobId, file.FileNo);
        var reader = CsvRecordReader.Open(stream);
        if (!reader.Read()) { progress.Error(name, null, "the file is empty."); return; }
        var columns = new Dictionary<string, int>();
        for (var i = 0; i < reader.Fields.Count; i++)
        {
            var header = Normalize(reader.Fields[i]);
            var field = Aliases.FirstOrDefault(a => a.Value.Contains(header)).Key;
            if (field is not null) columns.TryAdd(field, i);
        }
        var missing = new[] { "address", "latitude", "longitude" }.Where(c => !columns.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            progress.Error(name, 1, $"the header must name the columns {string.Join(", ", missing)}.");
            return;
        }
        var width = reader.Fields.Count;
        string? Get(string field) =>
            columns.TryGetValue(field, out var i) && i < reader.Fields.Count && reader.Fields[i].Trim() is { Length: > 0 } v ? v : null;

        NpgsqlBinaryImporter? importer = null;
        var inBatch = 0;
        try
        {
            while (true)
            {
                var more = reader.Read();
                if (more)
                {
                    progress.Processed++;
                    var line = reader.RecordLine;
                    var problem = reader.Error ?? (reader.Fields.Count != width ? $"expected {width} columns, found {reader.Fields.Count}." : null);
                    Row? row = null;
                    if (problem is null) (row, problem) = Parse(Get);
                    if (problem is not null) progress.Error(name, line, problem);
                    else
                    {
                        importer ??= await connection.BeginBinaryImportAsync("""
                            COPY csv_rows (line, address, unit, lat, lng, postal, province, fed, building_type, building_notes, first_name,
                                last_name, email, phone, support, sign, sign_size, notes) FROM STDIN (FORMAT BINARY)
                            """, cancellationToken);
                        await Write(importer, line, row!, cancellationToken);
                        inBatch++;
                    }
                }
                if (importer is not null && (inBatch >= BatchSize || !more))
                {
                    await importer.CompleteAsync(cancellationToken);
                    await importer.DisposeAsync();
                    importer = null;
                    await WriteBatch(cancellationToken);
                    inBatch = 0;
                    await progress.ReportAsync(cancellationToken: cancellationToken);
                }
                if (!more) break;
            }
        }
        finally
        {
            if (importer is not null) await importer.DisposeAsync();
        }
    }

    private sealed record Row(
        string Address, string? Unit, decimal Lat, decimal Lng, string? Postal, string? Province, string? Fed, string? BuildingType,
        string? BuildingNotes, string? FirstName, string? LastName, string? Email, string? Phone, string? Support, bool? Sign,
        string? SignSize, string? Notes);

    private static (Row?, string?) Parse(Func<string, string?> get)
    {
        var address = get("address");
        if (address is null) return (null, "address is empty.");
        if (address.Length > MapRules.MaxText) return (null, $"address is longer than {MapRules.MaxText} characters.");
        if (!double.TryParse(get("latitude"), NumberStyles.Float, CultureInfo.InvariantCulture, out var lat) || lat is < -90 or > 90 || !double.IsFinite(lat))
            return (null, $"latitude '{get("latitude")}' must be a number between -90 and 90.");
        if (!double.TryParse(get("longitude"), NumberStyles.Float, CultureInfo.InvariantCulture, out var lng) || lng is < -180 or > 180 || !double.IsFinite(lng))
            return (null, $"longitude '{get("longitude")}' must be a number between -180 and 180.");
        string? postal = null;
        if (get("postalCode") is { } postalText && (postal = PostalCode.Normalize(postalText)) is null)
            return (null, $"postal code '{postalText}' is not a valid Canadian postal code.");
        string? buildingType = null;
        if (get("buildingType") is { } typeText)
        {
            buildingType = Enum.GetValues<BuildingType>().Select(t => EnumWireNames.ToWireName(t))
                .FirstOrDefault(t => string.Equals(t, typeText.Replace(' ', '_').Replace('-', '_'), StringComparison.OrdinalIgnoreCase));
            if (buildingType is null) return (null, $"building type '{typeText}' must be SINGLE_FAMILY, MULTI_UNIT, MIXED_USE or COMMERCIAL.");
        }
        string? support = null;
        if (get("supportLevel") is { } supportText)
        {
            var digits = supportText.ToUpperInvariant().Replace("LEVEL_", "").Replace("LEVEL", "").Trim();
            if (digits is not ("1" or "2" or "3" or "4")) return (null, $"support level '{supportText}' must be 1 to 4 (or LEVEL_1 to LEVEL_4).");
            support = "LEVEL_" + digits;
        }
        bool? sign = null;
        if (get("sign") is { } signText)
        {
            sign = signText.ToLowerInvariant() switch
            {
                "true" or "yes" or "y" or "1" or "x" => true,
                "false" or "no" or "n" or "0" => false,
                _ => null,
            };
            if (sign is null) return (null, $"sign '{signText}' must be yes or no.");
        }
        var email = get("email")?.ToLowerInvariant();
        if (email is not null && (email.Count(c => c == '@') != 1 || email.Any(char.IsWhiteSpace) || email.Length > 254))
            return (null, $"email '{email}' is not a valid email address.");
        string? Limit(string field, int max) => get(field) is { } v && v.Length > max ? v[..max] : get(field);
        return (new Row(address, Limit("unit", 50), (decimal)Math.Round(lat, 8), (decimal)Math.Round(lng, 8), postal, Limit("province", 100),
            Limit("federalDistrict", 200), buildingType, Limit("buildingNotes", MapRules.MaxNotes), Limit("firstName", 200), Limit("lastName", 200),
            email, Limit("phone", 50), support, sign, Limit("signSize", 50), Limit("notes", MapRules.MaxNotes)), null);
    }

    private static async Task Write(NpgsqlBinaryImporter importer, long line, Row row, CancellationToken cancellationToken)
    {
        await importer.StartRowAsync(cancellationToken);
        await importer.WriteAsync(line, NpgsqlDbType.Bigint, cancellationToken);
        await importer.WriteAsync(row.Address, NpgsqlDbType.Text, cancellationToken);
        foreach (var value in new[] { row.Unit })
            await Text(importer, value, cancellationToken);
        await importer.WriteAsync(row.Lat, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(row.Lng, NpgsqlDbType.Numeric, cancellationToken);
        foreach (var value in new[] { row.Postal, row.Province, row.Fed, row.BuildingType, row.BuildingNotes, row.FirstName, row.LastName, row.Email, row.Phone, row.Support })
            await Text(importer, value, cancellationToken);
        if (row.Sign is { } sign) await importer.WriteAsync(sign, NpgsqlDbType.Boolean, cancellationToken);
        else await importer.WriteNullAsync(cancellationToken);
        await Text(importer, row.SignSize, cancellationToken);
        await Text(importer, row.Notes, cancellationToken);
    }

    private static Task Text(NpgsqlBinaryImporter importer, string? value, CancellationToken cancellationToken) =>
        value is null ? importer.WriteNullAsync(cancellationToken) : importer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

    private async Task WriteBatch(CancellationToken cancellationToken)
    {
        var job = progress.JobId.ToString();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Fresh statistics make the planner probe the locations index per row rather than scan every location.
        await connection.Command("ANALYZE csv_rows", transaction).ExecuteAsync(cancellationToken);
        _locationsCreated += await connection.Command("""
            WITH src AS (
                SELECT DISTINCT ON (address, lat, lng) address, lat, lng, postal, province, fed, building_type, building_notes
                FROM csv_rows ORDER BY address, lat, lng, line
            ), ins AS (
                INSERT INTO locations (id, latitude, longitude, address, postal_code, province, federal_district, building_type, building_notes,
                    created_by_user_id, updated_by_user_id)
                SELECT map_uuid_v7(), s.lat, s.lng, s.address, s.postal, s.province, s.fed, s.building_type::building_type, s.building_notes, @user, @user
                FROM src s
                WHERE NOT EXISTS (SELECT 1 FROM locations l WHERE l.latitude = s.lat AND l.longitude = s.lng AND l.address = s.address)
                RETURNING id, address
            ), history AS (
                INSERT INTO location_history (id, location_id, user_id, action, field, old_value, new_value, metadata)
                SELECT map_uuid_v7(), id, @user, 'IMPORTED_CSV', NULL, NULL, address, jsonb_build_object('jobId', @job::text) FROM ins
                RETURNING 1
            )
            SELECT count(*) FROM ins
            """, transaction, ("user", userId), ("job", job)).ScalarAsync<long>(cancellationToken);

        await using (var command = connection.Command("""
            WITH rows AS (
                SELECT DISTINCT ON (l.id, coalesce(r.unit, '')) r.*, l.id AS location_id
                FROM csv_rows r JOIN LATERAL (
                    SELECT l.id FROM locations l WHERE l.latitude = r.lat AND l.longitude = r.lng AND l.address = r.address ORDER BY l.id LIMIT 1
                ) l ON true
                ORDER BY l.id, coalesce(r.unit, ''), r.line DESC
            ), matched AS (
                SELECT r.*, a.id AS address_id FROM rows r
                LEFT JOIN LATERAL (
                    SELECT a.id FROM addresses a WHERE a.location_id = r.location_id AND a.unit_number IS NOT DISTINCT FROM r.unit ORDER BY a.id LIMIT 1
                ) a ON true
            ), ins AS (
                INSERT INTO addresses (id, location_id, unit_number, first_name, last_name, email, phone, support_level, sign, sign_size, notes,
                    created_by_user_id, updated_by_user_id)
                SELECT map_uuid_v7(), location_id, unit, first_name, last_name, email, phone, support::support_level, coalesce(sign, false),
                    sign_size, notes, @user, @user
                FROM matched WHERE address_id IS NULL
                RETURNING id, location_id, unit_number
            ), upd AS (
                UPDATE addresses a SET first_name = coalesce(m.first_name, a.first_name), last_name = coalesce(m.last_name, a.last_name),
                    email = coalesce(m.email, a.email), phone = coalesce(m.phone, a.phone),
                    support_level = coalesce(m.support::support_level, a.support_level), sign = coalesce(m.sign, a.sign),
                    sign_size = coalesce(m.sign_size, a.sign_size), notes = coalesce(m.notes, a.notes),
                    updated_by_user_id = @user, updated_at = now()
                FROM matched m
                WHERE a.id = m.address_id
                  AND (a.first_name, a.last_name, a.email, a.phone, a.support_level, a.sign, a.sign_size, a.notes) IS DISTINCT FROM
                      (coalesce(m.first_name, a.first_name), coalesce(m.last_name, a.last_name), coalesce(m.email, a.email),
                       coalesce(m.phone, a.phone), coalesce(m.support::support_level, a.support_level), coalesce(m.sign, a.sign),
                       coalesce(m.sign_size, a.sign_size), coalesce(m.notes, a.notes))
                RETURNING a.id, a.location_id, a.unit_number
            ), history AS (
                INSERT INTO location_history (id, location_id, user_id, action, field, old_value, new_value, metadata)
                SELECT map_uuid_v7(), location_id, @user, 'IMPORTED_CSV', 'unit', NULL, unit_number,
                       jsonb_build_object('jobId', @job::text, 'addressId', id, 'created', created)
                FROM (SELECT id, location_id, unit_number, true AS created FROM ins
                      UNION ALL SELECT id, location_id, unit_number, false FROM upd) changed
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), (SELECT count(*) FROM matched)
            """, transaction, ("user", userId), ("job", job)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            _addressesCreated += reader.GetInt64(0);
            _addressesUpdated += reader.GetInt64(1);
            _rowsWritten += reader.GetInt64(2);
        }
        await connection.Command("""
            UPDATE locations l SET total_units = c.n
            FROM (SELECT a.location_id, count(*) AS n FROM addresses a
                  WHERE a.location_id IN (SELECT l2.id FROM csv_rows r JOIN locations l2 ON l2.latitude = r.lat AND l2.longitude = r.lng AND l2.address = r.address)
                  GROUP BY a.location_id) c
            WHERE l.id = c.location_id AND l.total_units IS DISTINCT FROM c.n;
            TRUNCATE csv_rows;
            """, transaction).ExecuteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
