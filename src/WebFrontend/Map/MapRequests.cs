using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Map;

/// <summary>
/// Reads a JSON object field by field, so that a PATCH can tell an absent field from an explicit null and
/// every wrong type or out-of-range value becomes a 400 naming its field (all of them at once).
/// </summary>
public sealed class JsonFields(JsonObject body)
{
    public Validation Validation { get; } = new();

    public static async Task<JsonFields> ReadAsync(HttpRequest request) => new(await RequestJson.ReadAsync<JsonObject>(request));

    public bool Has(string name) => body.ContainsKey(name);

    public string[] Present(params string[] known) => known.Where(Has).ToArray();

    private JsonNode? Node(string name) => body.TryGetPropertyValue(name, out var node) ? node : null;

    private T? Scalar<T>(string name, string expected)
    {
        var node = Node(name);
        if (node is null) return default;
        if (node is JsonValue value && value.TryGetValue<T>(out var result)) return result;
        Validation.Add(name, $"must be {expected}.");
        return default;
    }

    public string? String(string name, int maxLength = Validation.DefaultMaxLength)
    {
        var text = Node(name) is JsonValue { } v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        if (text is null && Node(name) is not null) { Validation.Add(name, "must be a string."); return null; }
        Validation.MaxLength(name, text, maxLength);
        return text;
    }

    public double? Number(string name, double min = double.MinValue, double max = double.MaxValue)
    {
        var node = Node(name);
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var number))
        {
            Validation.Range(name, number, min, max);
            return number;
        }
        Validation.Add(name, "must be a number.");
        return null;
    }

    public int? Integer(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var node = Node(name);
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var number))
        {
            Validation.Range(name, number, min, max);
            return number;
        }
        Validation.Add(name, "must be a whole number.");
        return null;
    }

    public bool? Boolean(string name)
    {
        var node = Node(name);
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        Validation.Add(name, "must be true or false.");
        return null;
    }

    public TEnum? Enum<TEnum>(string name) where TEnum : struct, Enum
    {
        var text = Scalar<string>(name, "a string");
        if (text is null) return null;
        foreach (var value in System.Enum.GetValues<TEnum>())
            if (EnumWireNames.ToWireName(value) == text) return value;
        Validation.Add(name, $"must be one of: {string.Join(", ", System.Enum.GetValues<TEnum>().Select(v => EnumWireNames.ToWireName(v)))}.");
        return null;
    }

    /// <summary>A nested JSON value kept as text (GeoJSON, filter settings); null when absent or null.</summary>
    public string? Raw(string name) => Node(name)?.ToJsonString();

    public Guid[]? Ids(string name, int maxCount)
    {
        var node = Node(name);
        if (node is null) return null;
        if (node is not JsonArray array) { Validation.Add(name, "must be an array of ids."); return null; }
        if (array.Count > maxCount) { Validation.Add(name, $"must hold at most {maxCount} ids."); return null; }
        var ids = new List<Guid>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.TryGetValue<string>(out var text) && Guid.TryParse(text, out var id)) ids.Add(id);
            else Validation.Add($"{name}[{i}]", "must be an id (UUID).");
        }
        return ids.ToArray();
    }

    public string? PostalCodeField(string name)
    {
        var text = String(name, 20);
        if (string.IsNullOrWhiteSpace(text)) return null;
        var normalized = PostalCode.Normalize(text);
        if (normalized is null) Validation.Add(name, "must be a Canadian postal code such as T5K 2J1.");
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
