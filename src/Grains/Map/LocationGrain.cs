using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Map.Geocoding;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Map;

public sealed class LocationGrain(NpgsqlDataSource db, GeocodingService geocoding) : Grain, ILocationGrain
{
    private Guid Id => this.GetPrimaryKey();

    public async Task<Location> Create(LocationInput input, Guid? userId)
    {
        input = MapRules.Location(input);
        if ((input.Latitude is null) != (input.Longitude is null))
            throw DomainException.Invalid(input.Latitude is null ? "latitude" : "longitude", "latitude and longitude go together.");
        GeocodeResult? geocoded = null;
        if (input.Latitude is null)
        {
            if (input.Address is null)
                throw DomainException.Invalid("address", "is required when latitude and longitude are not given.");
            geocoded = await GeocodeOrThrow(new GeocodeQuery(input.Address, input.PostalCode, input.Province), input.GeocodeWith, "address");
        }
        var latitude = geocoded?.Latitude ?? input.Latitude!.Value;
        var longitude = geocoded?.Longitude ?? input.Longitude!.Value;

        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            await connection.Command("""
                INSERT INTO locations (id, latitude, longitude, address, postal_code, province, federal_district, building_use,
                    building_type, total_units, building_notes, geocode_confidence, geocode_provider, created_by_user_id, updated_by_user_id)
                VALUES (@id, @lat, @lng, @address, @postal, @province, @district, @use, @type, @units, @notes, @confidence, @provider,
                    (SELECT id FROM users WHERE id = @user), (SELECT id FROM users WHERE id = @user))
                """, transaction,
                ("id", Id), ("lat", (decimal)Math.Round(latitude, 8)), ("lng", (decimal)Math.Round(longitude, 8)), ("address", input.Address),
                ("postal", input.PostalCode), ("province", input.Province), ("district", input.FederalDistrict), ("use", input.BuildingUse),
                ("type", input.BuildingType), ("units", input.TotalUnits), ("notes", input.BuildingNotes),
                ("confidence", geocoded?.Confidence), ("provider", geocoded?.Provider), ("user", userId)).ExecuteAsync();
        }
        catch (PostgresException ex) when (ex.IsUniqueViolation("locations_pkey"))
        {
            throw DomainException.Conflict("A location with this id already exists.");
        }
        await MapRows.HistoryInsert(connection, transaction, Id, userId, LocationHistoryAction.Created, null, null, input.Address,
            new { latitude, longitude, postalCode = input.PostalCode }).ExecuteAsync();
        if (geocoded is not null)
            await MapRows.HistoryInsert(connection, transaction, Id, userId, LocationHistoryAction.Geocoded, "coordinates", null,
                MapRules.Point(latitude, longitude), GeocodeMetadata(geocoded)).ExecuteAsync();
        var created = await Read(connection, transaction, lockRow: false) ?? throw new InvalidOperationException("The new location vanished.");
        await transaction.CommitAsync();
        return created;
    }

    public async Task<Location> Update(LocationInput input, Guid? userId)
    {
        input = MapRules.Location(input);
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var current = await Read(connection, transaction, lockRow: true) ?? throw DomainException.NotFound("Location");

        var changes = new List<(string Field, string Column, object? Value, string? Old, string? New, LocationHistoryAction Action)>();
        void Compare<T>(string field, string column, T? old, T? value, Func<T?, string?> show, LocationHistoryAction action = LocationHistoryAction.Updated)
        {
            if (!input.Has(field) || EqualityComparer<T?>.Default.Equals(old, value)) return;
            changes.Add((field, column, value, show(old), show(value), action));
        }
        if (input.Has("latitude") && input.Latitude is null) throw DomainException.Invalid("latitude", "cannot be removed.");
        if (input.Has("longitude") && input.Longitude is null) throw DomainException.Invalid("longitude", "cannot be removed.");
        var newLat = input.Latitude is { } la ? Math.Round(la, 8) : current.Latitude;
        var newLng = input.Longitude is { } lo ? Math.Round(lo, 8) : current.Longitude;
        Compare("latitude", "latitude", current.Latitude, newLat, v => MapRules.Invariant(v), LocationHistoryAction.MovedOnMap);
        Compare("longitude", "longitude", current.Longitude, newLng, v => MapRules.Invariant(v), LocationHistoryAction.MovedOnMap);
        Compare("address", "address", current.Address, input.Address, v => v);
        Compare("postalCode", "postal_code", current.PostalCode, input.PostalCode, v => v);
        Compare("province", "province", current.Province, input.Province, v => v);
        Compare("federalDistrict", "federal_district", current.FederalDistrict, input.FederalDistrict, v => v);
        Compare("buildingUse", "building_use", current.BuildingUse, input.BuildingUse, v => v?.ToString());
        Compare("buildingType", "building_type", current.BuildingType, input.BuildingType, v => v is { } t ? EnumWireNames.ToWireName(t) : null);
        Compare("totalUnits", "total_units", current.TotalUnits, input.TotalUnits, v => v?.ToString());
        Compare("buildingNotes", "building_notes", current.BuildingNotes, input.BuildingNotes, v => v);
        if (changes.Count == 0)
        {
            await transaction.CommitAsync();
            return current;
        }

        var sets = string.Join(", ", changes.Select((c, i) => $"{c.Column} = @v{i}"));
        var command = connection.Command($"""
            UPDATE locations SET {sets}, updated_by_user_id = (SELECT id FROM users WHERE id = @user), updated_at = now()
            WHERE id = @id
            """, transaction, ("id", Id), ("user", userId));
        for (var i = 0; i < changes.Count; i++)
        {
            var value = changes[i].Value;
            if (value is double d) value = (decimal)d;
            command.Parameters.AddWithValue($"v{i}", value ?? DBNull.Value);
        }
        await command.ExecuteAsync();
        foreach (var change in changes)
            await MapRows.HistoryInsert(connection, transaction, Id, userId, change.Action, change.Field, change.Old, change.New, null).ExecuteAsync();
        var updated = (await Read(connection, transaction, lockRow: false))!;
        await transaction.CommitAsync();
        return updated;
    }

    public async Task Delete(Guid? userId)
    {
        var deleted = await db.Command("DELETE FROM locations WHERE id = @id", ("id", Id)).ExecuteAsync();
        if (deleted == 0) throw DomainException.NotFound("Location");
        DeactivateOnIdle();
    }

    public async Task<Location> Geocode(GeocodeProvider? provider, Guid? userId)
    {
        var before = await ReadDetached() ?? throw DomainException.NotFound("Location");
        if (before.Address is null)
            throw DomainException.Conflict("The location has no address to geocode.");
        var result = await GeocodeOrThrow(new GeocodeQuery(before.Address, before.PostalCode, before.Province), provider, "address");

        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var current = await Read(connection, transaction, lockRow: true) ?? throw DomainException.NotFound("Location");
        await connection.Command("""
            UPDATE locations SET latitude = @lat, longitude = @lng, geocode_confidence = @confidence, geocode_provider = @provider,
                updated_by_user_id = (SELECT id FROM users WHERE id = @user), updated_at = now()
            WHERE id = @id
            """, transaction, ("id", Id), ("lat", (decimal)Math.Round(result.Latitude, 8)), ("lng", (decimal)Math.Round(result.Longitude, 8)),
            ("confidence", result.Confidence), ("provider", result.Provider), ("user", userId)).ExecuteAsync();
        await MapRows.HistoryInsert(connection, transaction, Id, userId, LocationHistoryAction.Geocoded, "coordinates",
            MapRules.Point(current.Latitude, current.Longitude), MapRules.Point(result.Latitude, result.Longitude), GeocodeMetadata(result)).ExecuteAsync();
        var updated = (await Read(connection, transaction, lockRow: false))!;
        await transaction.CommitAsync();
        return updated;
    }

    public async Task<Address> AddAddress(AddressInput input, Guid? userId)
    {
        input = MapRules.Address(input);
        var addressId = Ids.New();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        _ = await Read(connection, transaction, lockRow: true) ?? throw DomainException.NotFound("Location");
        await connection.Command("""
            INSERT INTO addresses (id, location_id, unit_number, first_name, last_name, email, phone, support_level, sign, sign_size, notes,
                created_by_user_id, updated_by_user_id)
            VALUES (@id, @location, @unit, @first, @last, @email, @phone, @support, @sign, @signSize, @notes,
                (SELECT id FROM users WHERE id = @user), (SELECT id FROM users WHERE id = @user))
            """, transaction,
            ("id", addressId), ("location", Id), ("unit", input.UnitNumber), ("first", input.FirstName), ("last", input.LastName),
            ("email", input.Email), ("phone", input.Phone), ("support", input.SupportLevel), ("sign", input.Sign ?? false),
            ("signSize", input.SignSize), ("notes", input.Notes), ("user", userId)).ExecuteAsync();
        await RecountUnits(connection, transaction);
        await MapRows.HistoryInsert(connection, transaction, Id, userId, LocationHistoryAction.Created, "unit", null, input.UnitNumber ?? "",
            new { addressId }).ExecuteAsync();
        var address = await ReadAddress(connection, transaction, addressId);
        await transaction.CommitAsync();
        return address!;
    }

    public async Task<Address> UpdateAddress(Guid addressId, AddressInput input, Guid? userId)
    {
        input = MapRules.Address(input);
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var current = await ReadAddress(connection, transaction, addressId, lockRow: true) ?? throw DomainException.NotFound("Address");

        var changes = new List<(string Field, string Column, object? Value, string? Old, string? New)>();
        void Compare<T>(string field, string column, T? old, T? value, Func<T?, string?> show)
        {
            if (!input.Has(field) || EqualityComparer<T?>.Default.Equals(old, value)) return;
            changes.Add((field, column, value, show(old), show(value)));
        }
        Compare("unitNumber", "unit_number", current.UnitNumber, input.UnitNumber, v => v);
        Compare("firstName", "first_name", current.FirstName, input.FirstName, v => v);
        Compare("lastName", "last_name", current.LastName, input.LastName, v => v);
        Compare("email", "email", current.Email, input.Email, v => v);
        Compare("phone", "phone", current.Phone, input.Phone, v => v);
        Compare("supportLevel", "support_level", current.SupportLevel, input.SupportLevel, v => v is { } s ? EnumWireNames.ToWireName(s) : null);
        if (input.Has("sign") && input.Sign is null) throw DomainException.Invalid("sign", "must be true or false.");
        Compare("sign", "sign", current.Sign, input.Sign ?? current.Sign, v => v ? "true" : "false");
        Compare("signSize", "sign_size", current.SignSize, input.SignSize, v => v);
        Compare("notes", "notes", current.Notes, input.Notes, v => v);
        if (changes.Count == 0)
        {
            await transaction.CommitAsync();
            return current;
        }
        var sets = string.Join(", ", changes.Select((c, i) => $"{c.Column} = @v{i}"));
        var command = connection.Command($"""
            UPDATE addresses SET {sets}, updated_by_user_id = (SELECT id FROM users WHERE id = @user), updated_at = now()
            WHERE id = @id AND location_id = @location
            """, transaction, ("id", addressId), ("location", Id), ("user", userId));
        for (var i = 0; i < changes.Count; i++) command.Parameters.AddWithValue($"v{i}", changes[i].Value ?? DBNull.Value);
        await command.ExecuteAsync();
        foreach (var change in changes)
            await MapRows.HistoryInsert(connection, transaction, Id, userId, LocationHistoryAction.Updated, $"address.{change.Field}",
                change.Old, change.New, new { addressId }).ExecuteAsync();
        var updated = await ReadAddress(connection, transaction, addressId);
        await transaction.CommitAsync();
        return updated!;
    }

    public async Task DeleteAddress(Guid addressId, Guid? userId)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        _ = await Read(connection, transaction, lockRow: true) ?? throw DomainException.NotFound("Address");
        var unit = await connection.Command(
            "DELETE FROM addresses WHERE id = @id AND location_id = @location RETURNING coalesce(unit_number, '')", transaction,
            ("id", addressId), ("location", Id)).ScalarAsync<string>();
        if (unit is null) throw DomainException.NotFound("Address");
        await RecountUnits(connection, transaction);
        await MapRows.HistoryInsert(connection, transaction, Id, userId, LocationHistoryAction.Updated, "unit", unit, null,
            new { addressId, deleted = true }).ExecuteAsync();
        await transaction.CommitAsync();
    }

    private async Task<GeocodeResult> GeocodeOrThrow(GeocodeQuery query, GeocodeProvider? provider, string field)
    {
        var outcome = await geocoding.GeocodeAsync(query, provider, deadline: TimeSpan.FromSeconds(20));
        if (outcome.Result is not null) return outcome.Result;
        if (outcome.Failures.Count > 0)
            throw DomainException.Conflict("No geocoder could answer: " + string.Join(" ", outcome.Failures),
                new Dictionary<string, string> { ["reason"] = "geocoding_unavailable" });
        throw DomainException.Invalid(field, "no geocoding provider found this address.");
    }

    private static object GeocodeMetadata(GeocodeResult result) => new
    {
        provider = EnumWireNames.ToWireName(result.Provider),
        confidence = result.Confidence,
        formattedAddress = result.FormattedAddress,
    };

    private Task RecountUnits(NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        connection.Command("""
            UPDATE locations SET total_units = (SELECT count(*) FROM addresses WHERE location_id = @id)
            WHERE id = @id AND total_units IS DISTINCT FROM (SELECT count(*) FROM addresses WHERE location_id = @id)
            """, transaction, ("id", Id)).ExecuteAsync();

    private async Task<Location?> ReadDetached()
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.Command($"SELECT {MapRows.LocationColumns} FROM locations l WHERE l.id = @id", null, ("id", Id))
            .FirstOrDefaultAsync(MapRows.ReadLocation);
    }

    private Task<Location?> Read(NpgsqlConnection connection, NpgsqlTransaction transaction, bool lockRow) =>
        connection.Command($"SELECT {MapRows.LocationColumns} FROM locations l WHERE l.id = @id{(lockRow ? " FOR UPDATE" : "")}",
            transaction, ("id", Id)).FirstOrDefaultAsync(MapRows.ReadLocation);

    private Task<Address?> ReadAddress(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid addressId, bool lockRow = false) =>
        connection.Command($"SELECT {MapRows.AddressColumns} FROM addresses a WHERE a.id = @id AND a.location_id = @location{(lockRow ? " FOR UPDATE" : "")}",
            transaction, ("id", addressId), ("location", Id)).FirstOrDefaultAsync(MapRows.ReadAddress);
}
