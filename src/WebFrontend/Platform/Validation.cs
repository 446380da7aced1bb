using System.Net.Mail;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// Collects every problem of a request body before throwing once, so a client sees all the fields it
/// got wrong in one 400 (<c>errors: { field: [messages] }</c>).
/// </summary>
public sealed class Validation
{
    public const int DefaultMaxLength = 1000;
    private readonly Dictionary<string, List<string>> _errors = new();

    public bool IsValid => _errors.Count == 0;

    public Validation Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages)) _errors[field] = messages = [];
        messages.Add(message);
        return this;
    }

    public bool Required(string field, string? value, int maxLength = DefaultMaxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) { Add(field, "is required."); return false; }
        return MaxLength(field, value, maxLength);
    }

    public bool Required<T>(string field, T? value) where T : struct
    {
        if (value is null) { Add(field, "is required."); return false; }
        return true;
    }

    public bool MaxLength(string field, string? value, int maxLength = DefaultMaxLength)
    {
        if (value is not null && value.Length > maxLength) { Add(field, $"must be at most {maxLength} characters."); return false; }
        return true;
    }

    public bool Email(string field, string? value, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value)) { if (required) Add(field, "is required."); return !required; }
        if (!MaxLength(field, value, 254)) return false;
        if (!IsEmail(value)) { Add(field, "must be a valid email address."); return false; }
        return true;
    }

    public bool Range(string field, double? value, double min, double max)
    {
        if (value is null) return true;
        if (double.IsNaN(value.Value) || value < min || value > max) { Add(field, $"must be between {min} and {max}."); return false; }
        return true;
    }

    public bool Range(string field, int? value, int min, int max)
    {
        if (value is null) return true;
        if (value < min || value > max) { Add(field, $"must be between {min} and {max}."); return false; }
        return true;
    }

    public void ThrowIfInvalid()
    {
        if (!IsValid) throw new RequestValidationException(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }

    public static bool IsEmail(string value)
    {
        if (value.Any(char.IsWhiteSpace) || value.Count(c => c == '@') != 1) return false;
        if (!MailAddress.TryCreate(value, out var address) || address.Address != value) return false;
        var domain = address.Host;
        return domain.Contains('.') && !domain.StartsWith('.') && !domain.EndsWith('.');
    }
}

public static class Paging
{
    /// <summary>Reads <c>?page=&amp;pageSize=</c> (the list shape of docs/api/platform.md); bad values are a 400 naming the parameter.</summary>
    public static PageRequest From(HttpRequest request, int defaultPageSize = 50)
    {
        var validation = new Validation();
        var page = ParseInt(request, "page", 1, validation);
        var pageSize = ParseInt(request, "pageSize", defaultPageSize, validation);
        validation.Range("page", page, 1, 1_000_000);
        validation.Range("pageSize", pageSize, 1, PageRequest.MaxPageSize);
        validation.ThrowIfInvalid();
        return new PageRequest(page, pageSize);
    }

    private static int ParseInt(HttpRequest request, string name, int fallback, Validation validation)
    {
        var raw = request.Query[name].ToString();
        if (raw.Length == 0) return fallback;
        if (int.TryParse(raw, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)) return value;
        validation.Add(name, "must be a whole number.");
        return fallback;
    }
}
