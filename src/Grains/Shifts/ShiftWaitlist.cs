using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>
/// The waitlist rule of a shift, owned by its grain: a signup is confirmed while a place is free and nobody is in line,
/// otherwise it joins the end of the line; whenever places free (a confirmed signup cancelled, the capacity raised) the
/// first in line take them at once, in the same transaction as the change that freed them, each told by email. Nothing is
/// promoted on a cancelled or started shift, and a capacity lowered below the count takes nobody's place.
/// </summary>
public sealed class ShiftWaitlist(ShiftCalendar calendar)
{
    /// <summary>What a new signup to <paramref name="shift"/> becomes.</summary>
    public static SignupStatus StatusFor(ShiftView shift) =>
        shift.WaitlistCount > 0 || ShiftRules.IsFull(shift.CurrentVolunteers, shift.MaxVolunteers) ? SignupStatus.Waitlisted : SignupStatus.Confirmed;

    /// <summary>The shift once a signup of <paramref name="status"/> joins (positive) or leaves (negative) it.</summary>
    public static ShiftView Counted(ShiftView shift, SignupStatus status, int change, DateTimeOffset now)
    {
        var count = shift.CurrentVolunteers + (status == SignupStatus.Confirmed ? change : 0);
        return shift with
        {
            CurrentVolunteers = count,
            WaitlistCount = shift.WaitlistCount + (status == SignupStatus.Waitlisted ? change : 0),
            Status = ShiftRules.StatusFor(shift.Status, count, shift.MaxVolunteers),
            UpdatedAt = now,
        };
    }

    /// <summary>How many of the line take a place now: as many as fit, none once the shift is cancelled or has started.</summary>
    public int PlacesToFill(ShiftView shift) =>
        shift.Status == ShiftStatus.Cancelled || shift.WaitlistCount == 0 || calendar.HasStarted(shift)
            ? 0
            : Math.Min(shift.WaitlistCount, Math.Max(0, shift.MaxVolunteers - shift.CurrentVolunteers));

    /// <summary>
    /// Promotes the first in line into the places <paramref name="next"/> leaves free, inside the caller's transaction (which
    /// then writes the counts returned under the version check), and queues each promoted volunteer's email.
    /// </summary>
    public async Task<(ShiftView Next, IReadOnlyList<SignupView> Promoted)> FillAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        ShiftView next)
    {
        var places = PlacesToFill(next);
        if (places == 0) return (next, []);
        var promoted = await ShiftRows.PromoteAsync(connection, transaction, next, places,
            signup => ShiftEmails.WaitlistPromoted(next, signup.UserEmail, signup.UserName));
        var count = next.CurrentVolunteers + promoted.Count;
        return (next with
        {
            CurrentVolunteers = count,
            WaitlistCount = Math.Max(0, next.WaitlistCount - promoted.Count),
            Status = ShiftRules.StatusFor(next.Status, count, next.MaxVolunteers),
        }, promoted);
    }
}
