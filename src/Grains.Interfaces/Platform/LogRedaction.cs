using System.Text.RegularExpressions;

namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>
/// Hides credentials in text about to be logged: the values of query and key=value parameters that carry a credential
/// (<c>access_token</c>, <c>token</c>, <c>refresh_token</c>, <c>password</c>, <c>secret</c>, <c>api_key</c>, <c>key</c>,
/// <c>code</c>, <c>signature</c>, any name containing "token", "password" or "secret"), the token of a signed link
/// (<c>/verify/…</c>, <c>/report/…</c>), JSON web tokens wherever they appear, <c>Bearer</c> credentials, and the
/// password in a URL's user part (<c>postgresql://user:…@host</c>). A text with nothing to hide is returned as the
/// same instance.
/// </summary>
public static partial class LogRedaction
{
    public const string Hidden = "[redacted]";

    public static string Redact(string text)
    {
        if (text.Length < 8) return text;
        var result = text;
        if (result.Contains('='))
            result = CredentialParameter().Replace(result, m => m.Groups["name"].Value + m.Groups["sep"].Value + Hidden);
        if (result.Contains("eyJ", StringComparison.Ordinal))
            result = JsonWebToken().Replace(result, Hidden);
        if (result.Contains("earer", StringComparison.OrdinalIgnoreCase))
            result = BearerCredential().Replace(result, m => m.Groups["scheme"].Value + Hidden);
        if (result.Contains("://", StringComparison.Ordinal))
            result = UrlPassword().Replace(result, m => m.Groups["user"].Value + Hidden + "@");
        if (result.Contains("/verify/", StringComparison.OrdinalIgnoreCase) || result.Contains("/report/", StringComparison.OrdinalIgnoreCase))
            result = SignedLinkToken().Replace(result, m => m.Groups["route"].Value + Hidden);
        return result;
    }

    // name=value where the name is a credential: in a query string (?a=1&token=…), a connection string (;Password=…)
    // or free text. The value runs to the next separator.
    [GeneratedRegex("""(?<![A-Za-z0-9_\-.])(?<name>(?:[A-Za-z0-9_\-.]*(?:token|password|passwd|secret)[A-Za-z0-9_\-.]*|pwd|pass|key|api_?key|code|auth|authorization|signature|sig|credentials?))(?<sep>\s*=\s*)(?!\[redacted\])[^&;\s#"',)}\]]+""",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CredentialParameter();

    // header.payload.signature, each base64url; a JWT's header and payload both start with eyJ ('{"').
    [GeneratedRegex("""eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*""", RegexOptions.CultureInvariant)]
    private static partial Regex JsonWebToken();

    [GeneratedRegex("""(?<scheme>\b(?:Bearer|Basic)\s+)(?!\[redacted\])[A-Za-z0-9._~+/=\-]+""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerCredential();

    [GeneratedRegex("""(?<user>[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]+:)(?!\[redacted\])[^@\s/]+@""", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();

    // The token segment of a signed link (/api/public/responses/verify/<token>, /report/<token>).
    [GeneratedRegex("""(?<route>/(?:verify|report)/)(?!\[redacted\])[^/?#\s"']+""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SignedLinkToken();
}
