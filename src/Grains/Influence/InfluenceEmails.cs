using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Platform;

namespace ChangemakerLite.Grains.Influence;

/// <summary>
/// Every message the influence module sends, named in one place: a supporter's campaign email to a representative
/// and the verify/report request to a representative named on the response wall. Each is rendered from its system
/// template (migration 0013) when it is sent, and goes into the outbox inside the transaction that records it.
/// </summary>
public static class InfluenceEmails
{
    /// <summary>The template key, and so the outbox kind, of campaign emails; the outbox reports their delivery back to campaign_emails.</summary>
    public const string CampaignEmailKind = "campaign-email";
    public const string ResponseVerificationKind = "response-verification";

    public static OutboundEmail CampaignEmail(EmailRecipient recipient, string subject, string body, string? senderName, string? senderEmail,
        string? postalCode) =>
        new(CampaignEmailKind, recipient.Email, recipient.Name, new Dictionary<string, object?>
        {
            ["SUBJECT"] = subject,
            ["BODY"] = body,
            ["SIGNATURE"] = SenderLines(senderName, senderEmail, postalCode) is { Length: > 0 } signature ? signature : null,
        });

    public static OutboundEmail ResponseVerification(string representativeEmail, string representativeName, string campaignTitle,
        string responseText, string verifyUrl, string reportUrl, DateTimeOffset expiresAt) =>
        new(ResponseVerificationKind, representativeEmail, representativeName, new Dictionary<string, object?>
        {
            ["REPRESENTATIVE_NAME"] = representativeName,
            ["CAMPAIGN_TITLE"] = campaignTitle,
            ["RESPONSE_TEXT"] = responseText,
            ["VERIFY_URL"] = verifyUrl,
            ["REPORT_URL"] = reportUrl,
            ["EXPIRES_ON"] = expiresAt.ToString("yyyy-MM-dd"),
        });

    private static string SenderLines(string? name, string? email, string? postalCode) =>
        string.Join("\n", new[] { name, email, postalCode }.Where(v => !string.IsNullOrWhiteSpace(v)));
}
