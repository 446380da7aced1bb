using System.Net;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>The volunteer emails of the shifts module: signup confirmed, signup cancelled, shift cancelled.</summary>
public static class ShiftEmails
{
    /// <summary>A new TEMP account's sign-in details, written into the confirmation only when the account was just made.</summary>
    public sealed record TempAccount(string Email, string Password, DateTimeOffset ExpiresAt);

    public static OutboundEmail SignupConfirmed(ShiftView shift, string email, string? name, TempAccount? account)
    {
        var when = When(shift);
        var text = $"""
            Hello{Greeting(name)},

            You are signed up for "{shift.Title}" on {when}{Where(shift)}.
            {(account is null ? "" : $"""

            We created a temporary account for you so you can see your shift:
              email: {account.Email}
              password: {account.Password}
            It works until {account.ExpiresAt:yyyy-MM-dd HH:mm} UTC.
            """)}
            Thank you for volunteering!
            """;
        var html = $"""
            <p>Hello{WebUtility.HtmlEncode(Greeting(name))},</p>
            <p>You are signed up for <strong>{WebUtility.HtmlEncode(shift.Title)}</strong> on {WebUtility.HtmlEncode(when)}{WebUtility.HtmlEncode(Where(shift))}.</p>
            {(account is null ? "" : $"""
            <p>We created a temporary account for you so you can see your shift:<br>
            email: <code>{WebUtility.HtmlEncode(account.Email)}</code><br>
            password: <code>{WebUtility.HtmlEncode(account.Password)}</code><br>
            It works until {account.ExpiresAt:yyyy-MM-dd HH:mm} UTC.</p>
            """)}
            <p>Thank you for volunteering!</p>
            """;
        return new OutboundEmail("shifts.signup-confirmed", email, name, $"You're signed up: {shift.Title}", text, html);
    }

    public static OutboundEmail SignupCancelled(ShiftView shift, string email, string? name) => new(
        "shifts.signup-cancelled", email, name, $"Signup cancelled: {shift.Title}",
        $"""
        Hello{Greeting(name)},

        Your signup for "{shift.Title}" on {When(shift)} has been cancelled, and your place is free for someone else.
        """,
        $"""
        <p>Hello{WebUtility.HtmlEncode(Greeting(name))},</p>
        <p>Your signup for <strong>{WebUtility.HtmlEncode(shift.Title)}</strong> on {WebUtility.HtmlEncode(When(shift))} has been cancelled,
        and your place is free for someone else.</p>
        """);

    public static OutboundEmail ShiftCancelled(ShiftView shift, string email, string? name) => new(
        "shifts.shift-cancelled", email, name, $"Shift cancelled: {shift.Title}",
        $"""
        Hello{Greeting(name)},

        The shift "{shift.Title}" on {When(shift)}{Where(shift)} has been cancelled. You do not need to come.
        Thank you for signing up; we hope to see you at another shift.
        """,
        $"""
        <p>Hello{WebUtility.HtmlEncode(Greeting(name))},</p>
        <p>The shift <strong>{WebUtility.HtmlEncode(shift.Title)}</strong> on {WebUtility.HtmlEncode(When(shift))}{WebUtility.HtmlEncode(Where(shift))}
        has been cancelled. You do not need to come.</p>
        <p>Thank you for signing up; we hope to see you at another shift.</p>
        """);

    /// <summary>
    /// Many messages in one statement (a cancelled shift may have thousands of volunteers), inside the
    /// caller's transaction like <see cref="EmailOutbox.EnqueueAsync"/>.
    /// </summary>
    public static async Task EnqueueManyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<OutboundEmail> emails)
    {
        if (emails.Count == 0) return;
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { EnqueueManyCommand(emails) } };
        await batch.ExecuteNonQueryAsync();
    }

    /// <summary>The same insert as a command to send in a batch with the change that causes the mail.</summary>
    public static NpgsqlBatchCommand EnqueueManyCommand(IReadOnlyList<OutboundEmail> emails)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO outbox_messages (id, kind, to_address, to_name, subject, text_body, html_body)
            SELECT * FROM unnest(@ids, @kinds, @tos, @names, @subjects, @texts, @htmls)
            """);
        command.Parameters.AddWithValue("ids", emails.Select(_ => Ids.New()).ToArray());
        command.Parameters.AddWithValue("kinds", emails.Select(e => e.Kind).ToArray());
        command.Parameters.AddWithValue("tos", emails.Select(e => e.ToAddress).ToArray());
        command.Parameters.AddWithValue("names", emails.Select(e => e.ToName).ToArray());
        command.Parameters.AddWithValue("subjects", emails.Select(e => e.Subject).ToArray());
        command.Parameters.AddWithValue("texts", emails.Select(e => e.TextBody).ToArray());
        command.Parameters.AddWithValue("htmls", emails.Select(e => e.HtmlBody).ToArray());
        return command;
    }

    private static string Greeting(string? name) => string.IsNullOrWhiteSpace(name) ? "" : " " + name.Trim();
    private static string When(ShiftView shift) => $"{shift.Date:yyyy-MM-dd} from {shift.StartTime} to {shift.EndTime}";
    private static string Where(ShiftView shift) => string.IsNullOrWhiteSpace(shift.Location) ? "" : $" at {shift.Location}";
}
