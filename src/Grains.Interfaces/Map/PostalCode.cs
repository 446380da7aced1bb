namespace ChangemakerLite.Grains.Interfaces.Map;

/// <summary>
/// Canadian postal codes (docs/external-formats.md §5): <c>A1A 1A1</c>, never D F I O Q U, never W or Z first.
/// Stored with the space so that what admins type, what NAR ships (no space) and what geocoders answer
/// all compare equal.
/// </summary>
public static class PostalCode
{
    private const string FirstLetters = "ABCEGHJKLMNPRSTVXY";
    private const string OtherLetters = "ABCEGHJKLMNPRSTVWXYZ";

    /// <summary>The code as <c>A1A 1A1</c>, or null when the input is not a valid Canadian postal code.</summary>
    public static string? Normalize(string? input)
    {
        if (string.IsNullOrWhiteSpace(input)) return null;
        Span<char> compact = stackalloc char[6];
        var length = 0;
        foreach (var raw in input)
        {
            if (raw is ' ' or '-' or '\t') continue;
            if (length == 6) return null;
            compact[length++] = char.ToUpperInvariant(raw);
        }
        if (length != 6) return null;
        if (!FirstLetters.Contains(compact[0]) || !char.IsAsciiDigit(compact[1]) || !OtherLetters.Contains(compact[2]) ||
            !char.IsAsciiDigit(compact[3]) || !OtherLetters.Contains(compact[4]) || !char.IsAsciiDigit(compact[5]))
            return null;
        return string.Create(7, compact.ToArray(), (target, source) =>
        {
            source.AsSpan(0, 3).CopyTo(target);
            target[3] = ' ';
            source.AsSpan(3, 3).CopyTo(target[4..]);
        });
    }

    /// <summary>
    /// A prefix for filtering (an FSA such as <c>T5K</c>, or a whole code), upper-cased with the space where
    /// a full code has it; null when it cannot start a valid code.
    /// </summary>
    public static string? NormalizePrefix(string? input)
    {
        if (string.IsNullOrWhiteSpace(input)) return null;
        var compact = new string(input.Where(c => c is not (' ' or '-')).Select(char.ToUpperInvariant).ToArray());
        if (compact.Length is 0 or > 6) return null;
        for (var i = 0; i < compact.Length; i++)
        {
            var ok = i switch
            {
                0 => FirstLetters.Contains(compact[i]),
                1 or 3 or 5 => char.IsAsciiDigit(compact[i]),
                _ => OtherLetters.Contains(compact[i]),
            };
            if (!ok) return null;
        }
        return compact.Length <= 3 ? compact : compact[..3] + " " + compact[3..];
    }
}
