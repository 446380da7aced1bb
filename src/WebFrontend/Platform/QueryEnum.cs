using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>Parses an enum filter from the query string by its wire name (SUPER_ADMIN), or records a 400 naming the parameter.</summary>
public static class QueryEnum
{
    public static TEnum? Parse<TEnum>(Validation validation, string name, string? raw) where TEnum : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        foreach (var value in Enum.GetValues<TEnum>())
            if (EnumWireNames.ToWireName(value) == raw) return value;
        validation.Add(name, $"must be one of: {string.Join(", ", Enum.GetValues<TEnum>().Select(v => EnumWireNames.ToWireName(v)))}.");
        return null;
    }
}
