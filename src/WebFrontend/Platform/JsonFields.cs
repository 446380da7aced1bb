using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// Reads the fields of a partial-update body. A request record declares each field whose absence means something
/// other than null ("leave it" against "clear it") as a <see cref="JsonElement"/>: absent is
/// <see cref="JsonValueKind.Undefined"/>, an explicit null is <see cref="JsonValueKind.Null"/>. These readers turn
/// such a field into its value, and every wrong type or out-of-range value into a problem of <see cref="Validation"/>
/// naming the field, so a client sees all its mistakes in one 400. Null and absent both read as null; whether a field
/// was sent at all is <see cref="Present"/>.
/// </summary>
public sealed class JsonFields(Validation validation)
{
    public JsonFields() : this(new Validation())
    {
    }

    /// <summary>Where the problems go: a new one, or the route's own when it checks other fields too.</summary>
    public Validation Validation { get; } = validation;

    /// <summary>The names of the fields that were sent, an explicit null included, in the order given.</summary>
    public static string[] Present(params (string Name, JsonElement Value)[] fields) =>
        fields.Where(f => f.Value.ValueKind != JsonValueKind.Undefined).Select(f => f.Name).ToArray();

    private static bool IsAbsent(JsonElement value) => value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null;

    public string? String(string name, JsonElement value, int maxLength = Validation.DefaultMaxLength)
    {
        if (IsAbsent(value)) return null;
        if (value.ValueKind != JsonValueKind.String) { Validation.Add(name, "must be a string."); return null; }
        var text = value.GetString();
        Validation.MaxLength(name, text, maxLength);
        return text;
    }

    public double? Number(string name, JsonElement value, double min = double.MinValue, double max = double.MaxValue)
    {
        if (IsAbsent(value)) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number))
        {
            Validation.Range(name, number, min, max);
            return number;
        }
        Validation.Add(name, "must be a number.");
        return null;
    }

    public int? Integer(string name, JsonElement value, int min = int.MinValue, int max = int.MaxValue)
    {
        if (IsAbsent(value)) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            Validation.Range(name, number, min, max);
            return number;
        }
        Validation.Add(name, "must be a whole number.");
        return null;
    }

    public bool? Boolean(string name, JsonElement value)
    {
        if (IsAbsent(value)) return null;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
        Validation.Add(name, "must be true or false.");
        return null;
    }

    /// <summary>An enum by its wire name (<c>SUPER_ADMIN</c>).</summary>
    public TEnum? Enum<TEnum>(string name, JsonElement value) where TEnum : struct, Enum
    {
        if (IsAbsent(value)) return null;
        if (value.ValueKind != JsonValueKind.String) { Validation.Add(name, "must be a string."); return null; }
        var text = value.GetString();
        foreach (var candidate in System.Enum.GetValues<TEnum>())
            if (EnumWireNames.ToWireName(candidate) == text) return candidate;
        Validation.Add(name, $"must be one of: {string.Join(", ", System.Enum.GetValues<TEnum>().Select(v => EnumWireNames.ToWireName(v)))}.");
        return null;
    }

    /// <summary>An id that may be cleared: absent is (null, false), null is (null, true), a UUID is (the id, false).</summary>
    public (Guid? Id, bool Clear) ClearableId(string name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined:
                return (null, false);
            case JsonValueKind.Null:
                return (null, true);
            case JsonValueKind.String when value.TryGetGuid(out var id):
                return (id, false);
            default:
                Validation.Add(name, "must be a UUID or null.");
                return (null, false);
        }
    }

    /// <summary>A nested JSON value kept as text (GeoJSON, filter settings); null when absent or null.</summary>
    public static string? Raw(JsonElement value) => IsAbsent(value) ? null : value.GetRawText();
}
