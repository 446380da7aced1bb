namespace ChangemakerLite.Grains.Interfaces.Map;

/// <summary>The NAR's PROV_CODE values (2-digit SGC codes) and the abbreviations people type instead.</summary>
public static class NarProvinces
{
    public static readonly IReadOnlyDictionary<string, string> AbbreviationByCode = new Dictionary<string, string>
    {
        ["10"] = "NL", ["11"] = "PE", ["12"] = "NS", ["13"] = "NB", ["24"] = "QC", ["35"] = "ON", ["46"] = "MB",
        ["47"] = "SK", ["48"] = "AB", ["59"] = "BC", ["60"] = "YT", ["61"] = "NT", ["62"] = "NU",
    };

    /// <summary>The 2-digit code for <c>35</c>, <c>ON</c> or <c>on</c>; null when it names no province or territory.</summary>
    public static string? ToCode(string? value)
    {
        var text = value?.Trim().ToUpperInvariant();
        if (string.IsNullOrEmpty(text)) return null;
        if (AbbreviationByCode.ContainsKey(text)) return text;
        return AbbreviationByCode.FirstOrDefault(p => p.Value == text).Key;
    }
}
