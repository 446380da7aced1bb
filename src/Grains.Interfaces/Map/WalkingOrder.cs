using System.Globalization;
using System.Text.RegularExpressions;

namespace ChangemakerLite.Grains.Interfaces.Map;

/// <summary>
/// The one rule of how doors line up along a street, used by the printed walk sheet and by the canvassing walk
/// list's route (<c>WalkRoute</c>): an address "4-123A MAIN ST W, CITY" is read as house number 123, suffix "A", street
/// "MAIN ST W" (a leading unit and hyphen, a letter or a fraction such as "1/2" after the number are understood);
/// odd and even numbers are the two sides of a street; along a side, doors go by house number, then suffix, then unit
/// in natural order ("2" before "10"). The sheet lists streets alphabetically, each odd side then even side; the
/// route walks the same sides but chains them into the shortest walk from where the canvasser stands.
/// </summary>
public static partial class WalkingOrder
{
    public sealed record Side(bool Odd, IReadOnlyList<CutAddressRow> Rows);
    public sealed record StreetGroup(string Street, IReadOnlyList<Side> Sides);

    /// <summary>An address's street (as written), house number (null when it has none) and what follows the number.</summary>
    public readonly record struct Parsed(string Street, long? Number, string Suffix)
    {
        public bool Odd => (Number ?? 0) % 2 == 1;

        /// <summary>The street as a key: case and spacing do not make another street.</summary>
        public string StreetKey => string.Join(' ', Street.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToUpperInvariant();
    }

    [GeneratedRegex(@"^\s*(?:[0-9A-Za-z]+\s*-\s*)?(\d{1,12})(?:\s*([A-Za-z])(?![A-Za-z])|\s+(\d+/\d+)(?=\s))?[\s,]+(.+?)\s*$")]
    private static partial Regex HouseNumberAndStreet();

    /// <summary>The street part of an address: everything before the first comma.</summary>
    public static string StreetLine(string? address) => (address ?? "").Split(',', 2)[0].Trim();

    public static Parsed Parse(string? address)
    {
        var line = StreetLine(address);
        var match = HouseNumberAndStreet().Match(line);
        if (!match.Success) return new Parsed(line.Length == 0 ? "(no address)" : line, null, "");
        var number = long.Parse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture);
        var suffix = match.Groups[2].Success ? match.Groups[2].Value : match.Groups[3].Success ? match.Groups[3].Value : "";
        return new Parsed(match.Groups[4].Value, number, suffix);
    }

    /// <summary>Doors along one side of a street: house number, then suffix, then unit.</summary>
    public static int CompareAlongSide(Parsed a, string? unitA, Parsed b, string? unitB)
    {
        var byNumber = (a.Number ?? long.MaxValue).CompareTo(b.Number ?? long.MaxValue);
        if (byNumber != 0) return byNumber;
        var bySuffix = string.Compare(a.Suffix, b.Suffix, StringComparison.OrdinalIgnoreCase);
        return bySuffix != 0 ? bySuffix : NaturalComparer.Instance.Compare(unitA, unitB);
    }

    /// <summary>The printed sheet's order: streets alphabetically, on each the odd side then the even side.</summary>
    public static IReadOnlyList<StreetGroup> GroupByStreet(IEnumerable<CutAddressRow> rows) =>
        rows.Select(r => (Row: r, Parsed: Parse(r.Address)))
            .GroupBy(x => x.Parsed.StreetKey, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new StreetGroup(g.First().Parsed.Street, g
                .GroupBy(x => x.Parsed.Odd)
                .OrderByDescending(side => side.Key)
                .Select(side => new Side(side.Key, side
                    .Order(Comparer<(CutAddressRow Row, Parsed Parsed)>.Create((x, y) => CompareAlongSide(x.Parsed, x.Row.UnitNumber, y.Parsed, y.Row.UnitNumber)))
                    .Select(x => x.Row).ToList()))
                .ToList()))
            .ToList();

    /// <summary>Unit numbers in the order people number doors: "2" before "10", "2A" before "2B", none first.</summary>
    public sealed partial class NaturalComparer : IComparer<string?>
    {
        public static readonly NaturalComparer Instance = new();

        [GeneratedRegex(@"\d+|\D+")]
        private static partial Regex Chunks();

        public int Compare(string? x, string? y)
        {
            if (string.IsNullOrEmpty(x) || string.IsNullOrEmpty(y)) return string.IsNullOrEmpty(x) ? (string.IsNullOrEmpty(y) ? 0 : -1) : 1;
            var a = Chunks().Matches(x);
            var b = Chunks().Matches(y);
            for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
            {
                var (ca, cb) = (a[i].Value, b[i].Value);
                int result;
                if (char.IsDigit(ca[0]) && char.IsDigit(cb[0]))
                {
                    var ta = ca.TrimStart('0');
                    var tb = cb.TrimStart('0');
                    result = ta.Length != tb.Length ? ta.Length.CompareTo(tb.Length) : string.CompareOrdinal(ta, tb);
                }
                else
                {
                    result = string.Compare(ca, cb, StringComparison.OrdinalIgnoreCase);
                }
                if (result != 0) return result;
            }
            return a.Count.CompareTo(b.Count);
        }
    }
}
