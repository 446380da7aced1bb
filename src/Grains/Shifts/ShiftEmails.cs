using System.Globalization;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>
/// The volunteer emails of the shifts module (signup confirmed, signup cancelled, shift cancelled, waitlist joined, place
/// given from the waitlist): which system template each uses and its variables. The wording lives in the templates
/// (migrations 0012 and 0019).
/// </summary>
public static class ShiftEmails
{
    public const string SignupConfirmedTemplate = "shift-signup-confirmed";
    public const string SignupCancelledTemplate = "shift-signup-cancelled";
    public const string ShiftCancelledTemplate = "shift-cancelled";
    public const string WaitlistedTemplate = "shift-waitlisted";
    public const string WaitlistPromotedTemplate = "shift-waitlist-promoted";

    /// <summary>The variable of <see cref="WaitlistedTemplate"/> holding the place in line (migration 0019).</summary>
    public const string WaitlistPositionVariable = "WAITLIST_POSITION";

    /// <summary>A new TEMP account's sign-in details, written into the confirmation only when the account was just made.</summary>
    public sealed record TempAccount(string Email, string Password, DateTimeOffset ExpiresAt);

    public static OutboundEmail SignupConfirmed(ShiftView shift, string email, string? name, TempAccount? account) =>
        new(SignupConfirmedTemplate, email, name, WithAccount(ShiftData(shift, name, withLocation: true), account));

    /// <summary>A signup that joined the waitlist, <paramref name="position"/> in line; a new TEMP account's details as in a confirmation.</summary>
    public static OutboundEmail Waitlisted(ShiftView shift, string email, string? name, int position, TempAccount? account)
    {
        var data = WithAccount(ShiftData(shift, name, withLocation: true), account);
        data[WaitlistPositionVariable] = position;
        return new OutboundEmail(WaitlistedTemplate, email, name, data);
    }

    public static OutboundEmail WaitlistPromoted(ShiftView shift, string email, string? name) =>
        new(WaitlistPromotedTemplate, email, name, ShiftData(shift, name, withLocation: true));

    private static Dictionary<string, object?> WithAccount(Dictionary<string, object?> data, TempAccount? account)
    {
        if (account is not null)
        {
            data["TEMP_EMAIL"] = account.Email;
            data["TEMP_PASSWORD"] = account.Password;
            data["TEMP_EXPIRES"] = account.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        }
        return data;
    }

    public static OutboundEmail SignupCancelled(ShiftView shift, string email, string? name) =>
        new(SignupCancelledTemplate, email, name, ShiftData(shift, name, withLocation: false));

    public static OutboundEmail ShiftCancelled(ShiftView shift, string email, string? name) =>
        new(ShiftCancelledTemplate, email, name, ShiftData(shift, name, withLocation: true));

    /// <summary>Many messages in one statement, inside the caller's transaction: <see cref="EmailOutbox.EnqueueManyAsync"/>.</summary>
    public static Task EnqueueManyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<OutboundEmail> emails) =>
        EmailOutbox.EnqueueManyAsync(connection, transaction, emails);

    /// <summary>The same insert as a command to send in a batch with the change that causes the mail: <see cref="EmailOutbox.EnqueueCommand"/>.</summary>
    public static NpgsqlBatchCommand EnqueueManyCommand(IReadOnlyList<OutboundEmail> emails) => EmailOutbox.EnqueueCommand(emails);

    private static Dictionary<string, object?> ShiftData(ShiftView shift, string? name, bool withLocation)
    {
        var data = new Dictionary<string, object?>
        {
            ["NAME"] = string.IsNullOrWhiteSpace(name) ? null : name.Trim(),
            ["SHIFT_TITLE"] = shift.Title,
            ["SHIFT_DATE"] = shift.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["SHIFT_START"] = shift.StartTime,
            ["SHIFT_END"] = shift.EndTime,
        };
        if (withLocation && !string.IsNullOrWhiteSpace(shift.Location)) data["SHIFT_LOCATION"] = shift.Location;
        return data;
    }
}
