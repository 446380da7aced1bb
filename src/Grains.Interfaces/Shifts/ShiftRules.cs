using System.Globalization;
using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Platform;

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

    /// <summary>The longest name the public signup takes: it is written into mail to an address anyone may type.</summary>
    public const int PublicNameMaxLength = 80;

    /// <summary>
    /// A name from the public signup page, which goes into mail: plain words of letters, with spaces, apostrophes or
    /// hyphens between and initials' periods, at most <see cref="PublicNameMaxLength"/> characters. No digits, markup,
    /// host names or addresses, so the page cannot be used to mail a link or a message to someone else.
    /// </summary>
    public static bool IsPlainName(string? value) =>
        value is not null && value.Trim().Length is > 0 and <= PublicNameMaxLength && PlainNamePattern().IsMatch(value.Trim());

    public const string PlainNameRule = "must be a plain name: words of letters with spaces, apostrophes or hyphens between (initials may end with a period), at most 80 characters.";

    // Words of letters; between two words a space (after an initial's period, "J. R."), an apostrophe or a hyphen. A period
    // is followed by a space or ends the name, so nothing reads as a host name ("www.example.org").
    [GeneratedRegex(@"^\p{L}[\p{L}\p{M}]*(?:(?:\.? |['’-]| - )\p{L}[\p{L}\p{M}]*)*\.?$")]
    private static partial Regex PlainNamePattern();

    /// <summary>HH:MM on a 24-hour clock, the same pattern the table's CHECK holds.</summary>
    public static bool IsTime(string? value) => value is not null && TimePattern().IsMatch(value);

    public static bool TryParseDate(string? value, out DateOnly date) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>Both are HH:MM, so ordinal order is time order.</summary>
    public static bool EndsAfterStart(string start, string end) => string.CompareOrdinal(end, start) > 0;

    /// <summary>
    /// The capacity rule: a shift with <paramref name="count"/> confirmed signups is full once the count reaches its
    /// places. Its SQL form, for statements that count in the database, is <c>ShiftCapacity.StatusSql</c> in the grains.
    /// </summary>
    public static bool IsFull(int count, int maxVolunteers) => count >= maxVolunteers;

    /// <summary>OPEN or FULL follows from the count; CANCELLED never changes back.</summary>
    public static ShiftStatus StatusFor(ShiftStatus current, int count, int maxVolunteers) =>
        current == ShiftStatus.Cancelled ? ShiftStatus.Cancelled
        : IsFull(count, maxVolunteers) ? ShiftStatus.Full
        : ShiftStatus.Open;

    /// <summary>The grain's guard of a shift's shape: the first field that breaks a rule is a 400 naming it.</summary>
    public static void EnsureShape(string title, string start, string end, int max, string? description, string? location)
    {
        if (title.Length == 0) throw DomainException.Invalid("title", "is required.");
        if (title.Length > TitleMaxLength) throw DomainException.Invalid("title", $"must be at most {TitleMaxLength} characters.");
        if (description?.Length > DescriptionMaxLength)
            throw DomainException.Invalid("description", $"must be at most {DescriptionMaxLength} characters.");
        if (location?.Length > LocationMaxLength)
            throw DomainException.Invalid("location", $"must be at most {LocationMaxLength} characters.");
        if (!IsTime(start)) throw DomainException.Invalid("startTime", "must be a time HH:MM between 00:00 and 23:59.");
        if (!IsTime(end)) throw DomainException.Invalid("endTime", "must be a time HH:MM between 00:00 and 23:59.");
        if (!EndsAfterStart(start, end)) throw DomainException.Invalid("endTime", "must be after startTime.");
        if (max is < 1 or > MaxVolunteersLimit)
            throw DomainException.Invalid("maxVolunteers", $"must be between 1 and {MaxVolunteersLimit}.");
    }

    [GeneratedRegex("^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    private static partial Regex TimePattern();
}
