using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>
/// Who may take a place on a shift: the shift takes signups while it is not cancelled, not started and not full
/// (<see cref="ShiftRules.IsFull"/>); a person takes one place, with an active account, and a TEMP account only
/// through the public page. The shift grain asks; this decides.
/// </summary>
public sealed class ShiftAdmission(ShiftCalendar calendar)
{
    /// <summary>One signup of an existing user waiting for its round.</summary>
    public sealed record Candidate(Guid UserId, SignupSource Source, TaskCompletionSource<SignupView> Done);

    /// <summary>
    /// A round decided against one state of the shift: who gets a place, who is refused and why, and which refusals
    /// were only for want of a place (they may try again if a place turns out to be free).
    /// </summary>
    public sealed record Round(List<(Candidate Candidate, UserView User)> Accepted, Dictionary<Candidate, DomainException> Refused,
        HashSet<Candidate> RefusedAsFull);

    /// <summary>Why the shift takes no signup when <paramref name="count"/> places are taken, or null when it does.</summary>
    public DomainException? ClosedReason(ShiftView shift, int count) =>
        shift.Status == ShiftStatus.Cancelled ? Conflict("The shift is cancelled.", "cancelled")
        : calendar.HasStarted(shift) ? Conflict("The shift has already started or is over.", "past")
        : ShiftRules.IsFull(count, shift.MaxVolunteers) ? Conflict("The shift is full.", "full")
        : null;

    public void EnsureOpen(ShiftView shift)
    {
        if (ClosedReason(shift, shift.CurrentVolunteers) is { } closed) throw closed;
    }

    /// <summary>Decides a round in arrival order: each accepted candidate takes a place the next ones no longer find.</summary>
    public Round Decide(ShiftView shift, IReadOnlyList<Candidate> round, IReadOnlyDictionary<Guid, UserView> users)
    {
        var decided = new Round([], new Dictionary<Candidate, DomainException>(), []);
        var emailsInRound = new HashSet<string>(StringComparer.Ordinal);
        var count = shift.CurrentVolunteers;
        foreach (var candidate in round)
        {
            users.TryGetValue(candidate.UserId, out var user);
            if (Refusal(shift, count, candidate, user, emailsInRound) is { } reason)
            {
                decided.Refused[candidate] = reason;
                if (ShiftRules.IsFull(count, shift.MaxVolunteers)) decided.RefusedAsFull.Add(candidate);
                continue;
            }
            decided.Accepted.Add((candidate, user!));
            emailsInRound.Add(user!.Email);
            count++;
        }
        return decided;
    }

    private DomainException? Refusal(ShiftView shift, int count, Candidate candidate, UserView? user, HashSet<string> emailsInRound)
    {
        if (user is null) return DomainException.NotFound("The user");
        // Private turf: a shift that is not public does not exist for a volunteer no admin let in (docs/shifts.md).
        if (!shift.IsPublic && candidate.Source == SignupSource.Authenticated && !VolunteerGrants.Has(user.Role, user.Permissions, VolunteerGrant.PrivateShifts))
            return DomainException.NotFound("The shift");
        if (ClosedReason(shift, count) is { } closed) return closed;
        if (candidate.Source == SignupSource.Authenticated && user.Role == UserRole.Temp)
            return DomainException.Forbidden("Temporary accounts sign up through the public shift page.");
        if (user.Status != UserStatus.Active) return Conflict("The account is not active.", "account_inactive");
        if (emailsInRound.Contains(user.Email)) return AlreadySignedUp();
        return null;
    }

    public static DomainException AlreadySignedUp() => Conflict("This email is already signed up for the shift.", "already_signed_up");

    public static DomainException Conflict(string message, string reason) =>
        DomainException.Conflict(message, new Dictionary<string, string> { ["reason"] = reason });
}
