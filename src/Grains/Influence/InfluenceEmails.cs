using System.Net;
using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Platform;

namespace ChangemakerLite.Grains.Influence;

/// <summary>
/// Every message the influence module sends, composed in one place: a supporter's campaign email to a representative
/// and the verify/report request to a representative named on the response wall. Each goes into the outbox inside
/// the transaction that records it.
/// </summary>
public static class InfluenceEmails
{
    /// <summary>The outbox kind of campaign emails; the outbox reports their delivery back to campaign_emails (migration 0013).</summary>
    public const string CampaignEmailKind = "campaign-email";
    public const string ResponseVerificationKind = "response-verification";

    public static OutboundEmail CampaignEmail(EmailRecipient recipient, string subject, string body, string? senderName, string? senderEmail,
        string? postalCode)
    {
        var signature = SenderLines(senderName, senderEmail, postalCode);
        var text = signature.Length == 0 ? body : $"{body}\n\n--\n{signature}";
        var html = $"<div style=\"white-space: pre-wrap\">{WebUtility.HtmlEncode(body)}</div>" +
                   (signature.Length == 0 ? "" : $"<p style=\"white-space: pre-wrap\">--\n{WebUtility.HtmlEncode(signature)}</p>");
        return new OutboundEmail(CampaignEmailKind, recipient.Email, recipient.Name, subject, text, html);
    }

    public static OutboundEmail ResponseVerification(string representativeEmail, string representativeName, string campaignTitle,
        string responseText, string verifyUrl, string reportUrl, DateTimeOffset expiresAt)
    {
        var text = $"""
            Hello {representativeName},

            A constituent posted the following as your response on the campaign "{campaignTitle}":

            {responseText}

            If this is your response, confirm it: {verifyUrl}
            If it is not, report it: {reportUrl}

            Each link works once, until {expiresAt:yyyy-MM-dd} (UTC).
            """;
        var html = $"""
            <p>Hello {WebUtility.HtmlEncode(representativeName)},</p>
            <p>A constituent posted the following as your response on the campaign <strong>{WebUtility.HtmlEncode(campaignTitle)}</strong>:</p>
            <blockquote style="white-space: pre-wrap">{WebUtility.HtmlEncode(responseText)}</blockquote>
            <p><a href="{WebUtility.HtmlEncode(verifyUrl)}">Yes, this is my response</a> · <a href="{WebUtility.HtmlEncode(reportUrl)}">No, report it</a></p>
            <p>Each link works once, until {expiresAt:yyyy-MM-dd} (UTC).</p>
            """;
        return new OutboundEmail(ResponseVerificationKind, representativeEmail, representativeName,
            $"Please confirm your response on \"{campaignTitle}\"", text, html);
    }

    private static string SenderLines(string? name, string? email, string? postalCode) =>
        string.Join("\n", new[] { name, email, postalCode }.Where(v => !string.IsNullOrWhiteSpace(v)));
}
