namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>Why a command was refused; the frontend turns each kind into its HTTP status.</summary>
public enum DomainErrorKind { Invalid, NotFound, Conflict, Forbidden, RateLimited, Unauthorized }

/// <summary>
/// A command broke a rule of the aggregate (full shift, wrong state, unknown id, bad field).
/// It crosses the grain boundary intact so the frontend can answer 400/404/409 with the field and
/// reason, and nothing was written when it is thrown.
/// </summary>
[GenerateSerializer, Alias("cml.platform.DomainException")]
public sealed class DomainException : Exception
{
    public DomainException(DomainErrorKind kind, string message, string? field = null, Dictionary<string, string>? extensions = null)
        : base(message)
    {
        Kind = kind;
        Field = field;
        Extensions = extensions ?? new Dictionary<string, string>();
    }

    [Id(0)] public DomainErrorKind Kind { get; init; }
    [Id(1)] public string? Field { get; init; }
    [Id(2)] public Dictionary<string, string> Extensions { get; init; }

    public static DomainException Invalid(string field, string message) => new(DomainErrorKind.Invalid, message, field);
    public static DomainException NotFound(string what) => new(DomainErrorKind.NotFound, $"{what} was not found.");
    public static DomainException Conflict(string message, Dictionary<string, string>? extensions = null) =>
        new(DomainErrorKind.Conflict, message, extensions: extensions);
    public static DomainException Forbidden(string message) => new(DomainErrorKind.Forbidden, message);
    public static DomainException Unauthorized(string message) => new(DomainErrorKind.Unauthorized, message);
    public static DomainException RateLimited(TimeSpan retryAfter) => new(DomainErrorKind.RateLimited,
        "Too many attempts; try again later.",
        extensions: new Dictionary<string, string> { ["retryAfterSeconds"] = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) });
}
