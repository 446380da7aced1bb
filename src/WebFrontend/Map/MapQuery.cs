using System.Globalization;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Map;

/// <summary>Map-specific readers of partial-update fields.</summary>
public static class MapFields
{
    public static string? PostalCode(this JsonFields fields, string name, JsonElement value)
    {
        var text = fields.String(name, value, 20);
        if (string.IsNullOrWhiteSpace(text)) return null;
        var normalized = Grains.Interfaces.Map.PostalCode.Normalize(text);
        if (normalized is null) fields.Validation.Add(name, "must be a Canadian postal code such as T5K 2J1.");
        return normalized;
    }
}

/// <summary>Query-string values of the map endpoints, checked the same way.</summary>
public static class MapQuery
{
    public static BoundingBox? Bbox(string? raw, Validation validation, string field = "bbox")
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var parts = raw.Split(',', StringSplitOptions.TrimEntries);
        var numbers = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : (double?)null).ToArray();
        if (parts.Length != 4 || numbers.Any(n => n is null))
        {
            validation.Add(field, "must be four numbers: minLng,minLat,maxLng,maxLat.");
            return null;
        }
        var box = new BoundingBox(numbers[0]!.Value, numbers[1]!.Value, numbers[2]!.Value, numbers[3]!.Value);
        if (box.MinLng is < -180 or > 180 || box.MaxLng is < -180 or > 180) validation.Add(field, "longitudes must be between -180 and 180.");
        else if (box.MinLat is < -90 or > 90 || box.MaxLat is < -90 or > 90) validation.Add(field, "latitudes must be between -90 and 90.");
        else if (box.MinLng > box.MaxLng || box.MinLat > box.MaxLat) validation.Add(field, "the minimum must not exceed the maximum.");
        else return box;
        return null;
    }
}
