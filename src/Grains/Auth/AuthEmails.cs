using System.Net;
using ChangemakerLite.Grains.Platform;

namespace ChangemakerLite.Grains.Auth;

/// <summary>The account emails (verification, password reset), in plain text and simple HTML.</summary>
public static class AuthEmails
{
    public static readonly TimeSpan VerificationLifetime = TimeSpan.FromHours(48);
    public static readonly TimeSpan ResetLifetime = TimeSpan.FromHours(1);

    public static OutboundEmail Verification(string email, string? name, string publicBaseUrl, string token)
    {
        var link = $"{publicBaseUrl}/verify-email?token={Uri.EscapeDataString(token)}";
        return new OutboundEmail("auth.verify-email", email, name, "Confirm your email address",
            $"""
            Hello{(string.IsNullOrWhiteSpace(name) ? "" : " " + name)},

            Please confirm your email address by opening this link within 48 hours:
            {link}

            If you did not create an account, you can ignore this message.
            """,
            $"""
            <p>Hello{(string.IsNullOrWhiteSpace(name) ? "" : " " + WebUtility.HtmlEncode(name))},</p>
            <p>Please confirm your email address within 48 hours:</p>
            <p><a href="{WebUtility.HtmlEncode(link)}">Confirm my email address</a></p>
            <p>If you did not create an account, you can ignore this message.</p>
            """);
    }

    public static OutboundEmail PasswordReset(string email, string? name, string publicBaseUrl, string token)
    {
        var link = $"{publicBaseUrl}/reset-password?token={Uri.EscapeDataString(token)}";
        return new OutboundEmail("auth.reset-password", email, name, "Reset your password",
            $"""
            Someone asked to reset the password of this account. To choose a new password, open this link within one hour:
            {link}

            If it was not you, ignore this message: your password stays as it is.
            """,
            $"""
            <p>Someone asked to reset the password of this account.</p>
            <p><a href="{WebUtility.HtmlEncode(link)}">Choose a new password</a> (the link works for one hour).</p>
            <p>If it was not you, ignore this message: your password stays as it is.</p>
            """);
    }
}
