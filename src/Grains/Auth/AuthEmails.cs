using ChangemakerLite.Grains.Platform;

namespace ChangemakerLite.Grains.Auth;

/// <summary>
/// The account emails (verification, password reset): which system template each uses and its variables. The
/// wording lives in the templates (migration 0012), where an admin may edit it.
/// </summary>
public static class AuthEmails
{
    public const string VerificationTemplate = "email-verification";
    public const string PasswordResetTemplate = "password-reset";
    public const string AccountExistsTemplate = "account-exists";

    public static readonly TimeSpan VerificationLifetime = TimeSpan.FromHours(48);
    public static readonly TimeSpan ResetLifetime = TimeSpan.FromHours(1);

    public static OutboundEmail Verification(string email, string? name, string publicBaseUrl, string token) =>
        new(VerificationTemplate, email, name, new Dictionary<string, object?>
        {
            ["NAME"] = Name(name),
            ["VERIFY_URL"] = $"{publicBaseUrl}/verify-email?token={Uri.EscapeDataString(token)}",
        });

    public static OutboundEmail PasswordReset(string email, string? name, string publicBaseUrl, string token) =>
        new(PasswordResetTemplate, email, name, new Dictionary<string, object?>
        {
            ["NAME"] = Name(name),
            ["RESET_URL"] = $"{publicBaseUrl}/reset-password?token={Uri.EscapeDataString(token)}",
        });

    /// <summary>To the owner of an address someone registered with again: nothing changed; where to reset the password.</summary>
    public static OutboundEmail AccountExists(string email, string? name, string publicBaseUrl) =>
        new(AccountExistsTemplate, email, name, new Dictionary<string, object?>
        {
            ["NAME"] = Name(name),
            ["RESET_URL"] = $"{publicBaseUrl}/forgot-password",
        });

    private static string? Name(string? name) => string.IsNullOrWhiteSpace(name) ? null : name.Trim();
}
