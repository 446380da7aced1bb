using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Map;

/// <summary>
/// The field rules of locations, addresses and cuts, enforced by the grains whatever the caller checked
/// before: a bad value is a <see cref="DomainException"/> naming the field, and nothing is written.
/// </summary>
public static class MapRules
{
    public const int MaxText = 500;
    public const int MaxNotes = 5000;

    public static void Coordinates(double? latitude, double? longitude)
    {
        if (latitude is { } lat && (!double.IsFinite(lat) || lat is < -90 or > 90))
            throw DomainException.Invalid("latitude", "must be between -90 and 90.");
        if (longitude is { } lng && (!double.IsFinite(lng) || lng is < -180 or > 180))
            throw DomainException.Invalid("longitude", "must be between -180 and 180.");
    }

    public static string? Text(string field, string? value, int max = MaxText)
    {
        if (value is null) return null;
        var trimmed = value.Trim();
        if (trimmed.Length > max) throw DomainException.Invalid(field, $"must be at most {max} characters.");
        return trimmed.Length == 0 ? null : trimmed;
    }

    public static string? Postal(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return PostalCode.Normalize(value) ?? throw DomainException.Invalid("postalCode", "must be a Canadian postal code such as T5K 2J1.");
    }

    /// <summary>Validates and normalises the fields present in a location command.</summary>
    public static LocationInput Location(LocationInput input)
    {
        Coordinates(input.Latitude, input.Longitude);
        if (input.Has("buildingUse") && input.BuildingUse is { } use && use is < 1 or > 4)
            throw DomainException.Invalid("buildingUse", "must be 1 (residential), 2 (partly residential), 3 (non-residential) or 4 (unknown).");
        if (input.Has("totalUnits") && input.TotalUnits is < 0 or > 100_000)
            throw DomainException.Invalid("totalUnits", "must be between 0 and 100000.");
        return input with
        {
            Address = Text("address", input.Address),
            PostalCode = Postal(input.PostalCode),
            Province = Text("province", input.Province, 100),
            FederalDistrict = Text("federalDistrict", input.FederalDistrict, 200),
            BuildingNotes = Text("buildingNotes", input.BuildingNotes, MaxNotes),
        };
    }

    public static AddressInput Address(AddressInput input)
    {
        var email = Text("email", input.Email, 254);
        if (email is not null && (email.Count(c => c == '@') != 1 || email.StartsWith('@') || email.EndsWith('@') || email.Any(char.IsWhiteSpace)))
            throw DomainException.Invalid("email", "must be a valid email address.");
        return input with
        {
            UnitNumber = Text("unitNumber", input.UnitNumber, 50),
            FirstName = Text("firstName", input.FirstName, 200),
            LastName = Text("lastName", input.LastName, 200),
            Email = email?.ToLowerInvariant(),
            Phone = Text("phone", input.Phone, 50),
            SignSize = Text("signSize", input.SignSize, 50),
            Notes = Text("notes", input.Notes, MaxNotes),
        };
    }

    public static string Color(string? value)
    {
        var color = value?.Trim() ?? "";
        var hex = color.StartsWith('#') && (color.Length == 7 || color.Length == 4) && color.Skip(1).All(char.IsAsciiHexDigit);
        if (!hex) throw DomainException.Invalid("color", "must be a hex colour such as #3388ff.");
        return color.ToLowerInvariant();
    }

    public static string Invariant(double value) => value.ToString("0.########", System.Globalization.CultureInfo.InvariantCulture);
    public static string Point(double latitude, double longitude) => $"{Invariant(latitude)},{Invariant(longitude)}";
}
