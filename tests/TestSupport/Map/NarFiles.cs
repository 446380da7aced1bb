using System.Globalization;
using System.Text;
using ChangemakerLite.Grains.Map;

namespace ChangemakerLite.TestSupport.Map;

/// <summary>One row of a NAR address file, with the point its BG_X/BG_Y encode.</summary>
public sealed record NarAddressRow(
    string LocGuid, string AddrGuid, string? Apt, string CivicNo, string StreetName, string StreetType = "ST", string StreetDir = "",
    string ProvCode = "48", string City = "EDMONTON", string PostalCode = "T5J1N3", int BuUse = 1, double Latitude = 53.54,
    double Longitude = -113.49, string? CivicSuffix = null, bool WithMailStreet = true, string? NonCivic = null);

public sealed record NarLocationRow(string LocGuid, double? Latitude, double? Longitude, string FedName = "Edmonton Centre", string CsdCode = "4811061");

/// <summary>
/// Writes National Address Register files in the 2024/2025 layout (docs/external-formats.md §2.2–2.3): UTF-8 with
/// a byte order mark, a header row, RFC 4180 quoting, BG_X/BG_Y in EPSG:3347.
/// </summary>
public static class NarFiles
{
    public static readonly string[] AddressColumns =
    [
        "LOC_GUID", "ADDR_GUID", "APT_NO_LABEL", "CIVIC_NO", "CIVIC_NO_SUFFIX", "OFFICIAL_STREET_NAME", "OFFICIAL_STREET_TYPE",
        "OFFICIAL_STREET_DIR", "PROV_CODE", "CSD_ENG_NAME", "CSD_FRE_NAME", "CSD_TYPE_ENG_CODE", "CSD_TYPE_FRE_CODE", "MAIL_STREET_NAME",
        "MAIL_STREET_TYPE", "MAIL_STREET_DIR", "MAIL_MUN_NAME", "MAIL_PROV_ABVN", "MAIL_POSTAL_CODE", "BG_DLS_LSD", "BG_DLS_QTR",
        "BG_DLS_SCTN", "BG_DLS_TWNSHP", "BG_DLS_RNG", "BG_DLS_MRD", "BG_X", "BG_Y", "BU_N_CIVIC_ADD", "BU_USE",
    ];

    public static readonly string[] LocationColumns =
        ["LOC_GUID", "CSD_CODE", "FED_CODE", "FED_ENG_NAME", "FED_FRE_NAME", "ER_CODE", "ER_ENG_NAME", "ER_FRE_NAME", "BG_LATITUDE", "BG_LONGITUDE"];

    public static readonly UTF8Encoding Utf8WithBom = new(encoderShouldEmitUTF8Identifier: true);

    public static string Quote(string? value)
    {
        value ??= "";
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    private static string N(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    public static string AddressHeader => string.Join(',', AddressColumns);
    public static string LocationHeader => string.Join(',', LocationColumns);

    private static readonly Dictionary<string, string> Abbreviations = new()
    {
        ["10"] = "NL", ["11"] = "PE", ["12"] = "NS", ["13"] = "NB", ["24"] = "QC", ["35"] = "ON", ["46"] = "MB",
        ["47"] = "SK", ["48"] = "AB", ["59"] = "BC", ["60"] = "YT", ["61"] = "NT", ["62"] = "NU",
    };

    public static string AddressLine(NarAddressRow a)
    {
        var (x, y) = StatCanLambert.FromLatLng(a.Latitude, a.Longitude);
        string[] values =
        [
            a.LocGuid, a.AddrGuid, a.Apt ?? "", a.CivicNo, a.CivicSuffix ?? "", a.StreetName, a.StreetType, a.StreetDir, a.ProvCode,
            a.City, a.City, "CY", "V", a.WithMailStreet ? a.StreetName.ToUpperInvariant() : "", a.WithMailStreet ? a.StreetType : "",
            a.WithMailStreet ? a.StreetDir : "", a.City.ToUpperInvariant(), Abbreviations.GetValueOrDefault(a.ProvCode, ""), a.PostalCode,
            "", "", "", "", "", "", x.ToString("0.00", CultureInfo.InvariantCulture), y.ToString("0.00", CultureInfo.InvariantCulture), a.NonCivic ?? "",
            a.BuUse.ToString(CultureInfo.InvariantCulture),
        ];
        return string.Join(',', values.Select(Quote));
    }

    public static string LocationLine(NarLocationRow l) => string.Join(',', new[]
    {
        l.LocGuid, l.CsdCode, "48010", l.FedName, l.FedName, "4830", "Edmonton", "Edmonton",
        l.Latitude is { } lat ? N(lat) : "", l.Longitude is { } lng ? N(lng) : "",
    }.Select(Quote));

    /// <summary>
    /// A synthetic register of <paramref name="addresses"/> units in a box around Edmonton, written straight to
    /// the two files (nothing held in memory): 9 buildings in 10 are houses, the rest 8-unit buildings, close to
    /// the register's own mix (17.4 M addresses in 16.2 M located buildings).
    /// </summary>
    public static async Task WriteSyntheticAsync(string addressPath, string locationPath, int addresses, int seed = 42,
        double minLat = 53.40, double minLng = -113.70, double maxLat = 53.70, double maxLng = -113.30)
    {
        var random = new Random(seed);
        await using var addressWriter = new StreamWriter(addressPath, false, Utf8WithBom, 1 << 16);
        await using var locationWriter = new StreamWriter(locationPath, false, Utf8WithBom, 1 << 16);
        await addressWriter.WriteAsync(AddressHeader + "\r\n");
        await locationWriter.WriteAsync(LocationHeader + "\r\n");
        var written = 0;
        var building = 0;
        while (written < addresses)
        {
            building++;
            var locGuid = Guid.NewGuid().ToString().ToUpperInvariant();
            var lat = minLat + random.NextDouble() * (maxLat - minLat);
            var lng = minLng + random.NextDouble() * (maxLng - minLng);
            var units = building % 10 == 0 ? 8 : 1;
            var street = $"{random.Next(1, 180)}";
            var civic = random.Next(1, 20000).ToString(CultureInfo.InvariantCulture);
            var postal = $"T{random.Next(1, 9)}{(char)('A' + random.Next(0, 3))}{random.Next(0, 9)}{(char)('A' + random.Next(0, 3))}{random.Next(0, 9)}";
            await locationWriter.WriteAsync(LocationLine(new NarLocationRow(locGuid, Math.Round(lat, 6), Math.Round(lng, 6))) + "\r\n");
            for (var u = 0; u < units && written < addresses; u++, written++)
                await addressWriter.WriteAsync(AddressLine(new NarAddressRow(
                    locGuid, Guid.NewGuid().ToString().ToUpperInvariant(), units > 1 ? (100 + u).ToString(CultureInfo.InvariantCulture) : null,
                    civic, street, "AVE", "NW", PostalCode: postal, Latitude: lat, Longitude: lng)) + "\r\n");
        }
    }
}
