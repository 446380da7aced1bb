using System.Globalization;
using System.Text.RegularExpressions;

namespace ChangemakerLite.Grains.Interfaces.Shifts;

/// <summary>The shape rules of a shift, shared by the frontend (400 before a grain call) and the grain (its own guard).</summary>
public static partial class ShiftRules
{
    public const int MaxVolunteersLimit = 10_000;
    public const int TitleMaxLength = 200;
    public const int DescriptionMaxLength = 5000;
    public const int LocationMaxLength = 500;
    public const int NameMaxLength = 200;
    public const int PhoneMaxLength = 50;

    /// <summary>HH:MM on a 24-hour clock, the same pattern the table's CHECK holds.</summary>
    public static bool IsTime(string? value) => value is not null && TimePattern().IsMatch(value);

    public static bool TryParseDate(string? value, out DateOnly date) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>Both are HH:MM, so ordinal order is time order.</summary>
    public static bool EndsAfterStart(string start, string end) => string.CompareOrdinal(end, start) > 0;

    [GeneratedRegex("^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    private static partial Regex TimePattern();
}
