using System.Globalization;
using System.Text;

namespace ChangemakerLite.Grains.Interfaces.Influence;

/// <summary>Limits and pure rules of the influence module, shared by the frontend's validation and the grains.</summary>
public static class InfluenceRules
{
    public const int TitleMaxLength = 200;
    public const int SubjectMaxLength = 300;
    public const int BodyMaxLength = 20_000;
    public const int TextMaxLength = 2_000;
    public const int NameMaxLength = 200;
    public const int UrlMaxLength = 2_000;
    public const int MaxRecipients = 50;
    public const int IdempotencyKeyMaxLength = 200;
    public const int SlugMaxLength = 80;

    /// <summary>The status moves (docs/api/influence.md): DRAFT → ACTIVE ⇄ PAUSED → ARCHIVED; ARCHIVED is final.</summary>
    public static bool CanMove(CampaignStatus from, CampaignStatus to) => (from, to) switch
    {
        (CampaignStatus.Draft, CampaignStatus.Active) => true,
        (CampaignStatus.Active, CampaignStatus.Paused) => true,
        (CampaignStatus.Paused, CampaignStatus.Active) => true,
        (CampaignStatus.Active, CampaignStatus.Archived) => true,
        (CampaignStatus.Paused, CampaignStatus.Archived) => true,
        _ => false,
    };

    /// <summary>
    /// A URL-safe slug from a title: lower case ASCII letters and digits separated by single hyphens, accents
    /// folded ("Défendons l'école" → "defendons-l-ecole"); "campaign" when nothing is left.
    /// </summary>
    public static string Slugify(string title)
    {
        var builder = new StringBuilder(title.Length);
        var hyphen = false;
        foreach (var c in title)
        {
            var lower = Fold(char.ToLowerInvariant(c));
            if (lower is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                if (hyphen && builder.Length > 0) builder.Append('-');
                builder.Append(lower);
                hyphen = false;
            }
            else hyphen = true;
            if (builder.Length >= SlugMaxLength) break;
        }
        var slug = builder.ToString().Trim('-');
        return slug.Length == 0 ? "campaign" : slug;
    }

    // The servers run with invariant globalization, where Unicode decomposition is not available: the accented
    // Latin letters of English and French names are folded by this table instead.
    private const string Accented = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿœæ";
    private const string Plain = "aaaaaaceeeeiiiinooooouuuuyyoa";

    private static char Fold(char c)
    {
        var i = Accented.IndexOf(c);
        return i >= 0 ? Plain[i] : c;
    }

    /// <summary>
    /// A <c>mailto:</c> URL per RFC 6068: the addresses and the header values percent-encoded as UTF-8, with
    /// only the unreserved characters left as they are (so "&amp;", "?", "#", "%" and spaces never break the URL),
    /// line breaks in the body as <c>%0D%0A</c>.
    /// </summary>
    public static string MailtoUrl(IEnumerable<string> to, string subject, string body)
    {
        var addresses = string.Join(",", to.Select(a => Encode(a, keepAt: true)));
        var normalizedBody = body.Replace("\r\n", "\n").Replace("\r", "\n").Replace("\n", "\r\n");
        return $"mailto:{addresses}?subject={Encode(subject, keepAt: false)}&body={Encode(normalizedBody, keepAt: false)}";
    }

    private static string Encode(string value, bool keepAt)
    {
        var builder = new StringBuilder(value.Length * 2);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '.' or '_' or '~' || (keepAt && c == '@'))
                builder.Append(c);
            else
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    /// <summary>
    /// Represent has no level field: it follows from the set's name and the office (docs/external-formats.md §1.4).
    /// </summary>
    public static GovernmentLevel? LevelOf(string? representativeSetName, string? electedOffice, string? boundaryUrl)
    {
        var set = representativeSetName ?? "";
        var office = electedOffice ?? "";
        if (set.Equals("House of Commons", StringComparison.OrdinalIgnoreCase) || office.Equals("MP", StringComparison.OrdinalIgnoreCase))
            return GovernmentLevel.Federal;
        if (set.Contains("Assembl", StringComparison.OrdinalIgnoreCase) || set.Contains("Legislat", StringComparison.OrdinalIgnoreCase) ||
            office is "MPP" or "MLA" or "MNA" or "MHA")
            return GovernmentLevel.Provincial;
        if (set.Contains("School", StringComparison.OrdinalIgnoreCase) || set.Contains("scolaire", StringComparison.OrdinalIgnoreCase) ||
            office.Contains("Trustee", StringComparison.OrdinalIgnoreCase))
            return GovernmentLevel.SchoolBoard;
        if (set.Contains("Council", StringComparison.OrdinalIgnoreCase) || set.Contains("Conseil", StringComparison.OrdinalIgnoreCase) ||
            set.Contains("municipal", StringComparison.OrdinalIgnoreCase) ||
            office is "Mayor" or "Councillor" or "Regional Councillor" or "Councillor at Large" or "Deputy Mayor" or "Warden" or
                "Deputy Warden" or "Chair" or "Conseiller" or "Maire")
            return GovernmentLevel.Municipal;
        if (boundaryUrl?.Contains("federal-electoral-districts", StringComparison.OrdinalIgnoreCase) == true) return GovernmentLevel.Federal;
        return null;
    }
}
