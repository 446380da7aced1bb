using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Interfaces.Auth;

/// <summary>A user as every API answer shows it: never the password hash or any token.</summary>
[GenerateSerializer, Immutable, Alias("cml.auth.UserView")]
public sealed record UserView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Email,
    [property: Id(2)] string? Name,
    [property: Id(3)] string? Phone,
    [property: Id(4)] UserRole Role,
    [property: Id(5)] UserStatus Status,
    [property: Id(6)] string Permissions,
    [property: Id(7)] UserCreatedVia CreatedVia,
    [property: Id(8)] DateTimeOffset? ExpiresAt,
    [property: Id(9)] int? ExpireDays,
    [property: Id(10)] DateTimeOffset? LastLoginAt,
    [property: Id(11)] bool EmailVerified,
    [property: Id(12)] DateTimeOffset CreatedAt,
    [property: Id(13)] DateTimeOffset UpdatedAt);

/// <summary>A signed-in session: the user and a fresh refresh token (the frontend signs the access token).</summary>
[GenerateSerializer, Immutable, Alias("cml.auth.SignIn")]
public sealed record SignIn([property: Id(0)] UserView User, [property: Id(1)] string RefreshToken, [property: Id(2)] DateTimeOffset RefreshTokenExpiresAt)
{
    public override string ToString() => $"SignIn {{ User = {User.Id} }}";
}

[GenerateSerializer, Immutable, Alias("cml.auth.RegisterCommand")]
public sealed record RegisterCommand(
    [property: Id(0)] string Email,
    [property: Id(1)] string Password,
    [property: Id(2)] string Name,
    [property: Id(3)] string? Phone,
    [property: Id(4)] string PublicBaseUrl)
{
    public override string ToString() => $"RegisterCommand {{ Email = {Email} }}";
}

[GenerateSerializer, Immutable, Alias("cml.auth.CreateUserCommand")]
public sealed record CreateUserCommand(
    [property: Id(0)] string Email,
    [property: Id(1)] string Password,
    [property: Id(2)] string? Name,
    [property: Id(3)] string? Phone,
    [property: Id(4)] UserRole Role,
    [property: Id(5)] string? Permissions,
    [property: Id(6)] int? ExpireDays,
    [property: Id(7)] DateTimeOffset? ExpiresAt,
    [property: Id(8)] Guid? CreatedBy)
{
    public override string ToString() => $"CreateUserCommand {{ Email = {Email}, Role = {Role} }}";
}

/// <summary>A partial update: null leaves the field as it is.</summary>
[GenerateSerializer, Immutable, Alias("cml.auth.UpdateUserCommand")]
public sealed record UpdateUserCommand(
    [property: Id(0)] string? Name,
    [property: Id(1)] string? Phone,
    [property: Id(2)] UserRole? Role,
    [property: Id(3)] UserStatus? Status,
    [property: Id(4)] string? Permissions,
    [property: Id(5)] DateTimeOffset? ExpiresAt,
    [property: Id(6)] bool? EmailVerified);

[GenerateSerializer, Immutable, Alias("cml.auth.UserFilter")]
public sealed record UserFilter(
    [property: Id(0)] string? Search,
    [property: Id(1)] UserRole? Role,
    [property: Id(2)] UserStatus? Status);

/// <summary>
/// Emails are stored trimmed and lower-cased, so that the unique constraint means one account per
/// address; every place that looks an address up or counts attempts against it uses this same form.
/// </summary>
public static class EmailAddress
{
    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}

/// <summary>The password rule of the original system: 12+ characters with upper, lower and a digit.</summary>
public static class PasswordPolicy
{
    public const int MinLength = 12;
    public const int MaxLength = 128;

    /// <summary>What the password is missing, or an empty list when it is acceptable.</summary>
    public static IReadOnlyList<string> Problems(string? password)
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(password)) return ["is required."];
        if (password.Length < MinLength) problems.Add($"must be at least {MinLength} characters.");
        if (password.Length > MaxLength) problems.Add($"must be at most {MaxLength} characters.");
        if (!password.Any(char.IsUpper)) problems.Add("must contain an upper-case letter.");
        if (!password.Any(char.IsLower)) problems.Add("must contain a lower-case letter.");
        if (!password.Any(char.IsDigit)) problems.Add("must contain a digit.");
        return problems;
    }

    public static void Enforce(string field, string? password)
    {
        var problems = Problems(password);
        if (problems.Count > 0) throw DomainException.Invalid(field, string.Join(" ", problems));
    }
}
