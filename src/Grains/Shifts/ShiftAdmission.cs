using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>
/// Who may sign up to a shift: the shift takes signups while it is not cancelled and not started (a full one puts them on
/// its waitlist, <see cref="ShiftWaitlist"/>); a person signs up once, with an active account, and a TEMP account only
/// through the public page. The shift grain asks; this decides.
/// </summary>
public sealed class ShiftAdmission(ShiftCalendar calendar)
{
    /// <summary>One signup of an existing user waiting for its round.</summary>
    public sealed record Candidate(Guid UserId, SignupSource Source, TaskCompletionSource<SignupView> Done);

    /// <summary>A round decided against one state of the shift: who is taken, in arrival order, and who is refused and why.</summary>
    public sealed record Round(List<(Candidate Candidate, UserView User)> Accepted, Dictionary<Candidate, DomainException> Refused);

    /// <summary>Why the shift takes no signup, or null when it does (confirmed or waitlisted).</summary>
    public DomainException? ClosedReason(ShiftView shift) =>
        shift.Status == ShiftStatus.Cancelled ? Conflict("The shift is cancelled.", "cancelled")
        : calendar.HasStarted(shift) ? Conflict("The shift has already started or is over.", "past")
        : null;

    public void EnsureOpen(ShiftView shift)
    {
        if (ClosedReason(shift) is { } closed) throw closed;
    }

    /// <summary>
    /// Decides a round in arrival order. Whether each one taken is confirmed or waitlisted is not decided here but where it
    /// is written, from the counts the database holds (<see cref="SignupWriter"/>), in this same order.
    /// </summary>
    public Round Decide(ShiftView shift, IReadOnlyList<Candidate> round, IReadOnlyDictionary<Guid, UserView> users)
    {
        var decided = new Round([], new Dictionary<Candidate, DomainException>());
        var emailsInRound = new HashSet<string>(StringComparer.Ordinal);
        foreach (var candidate in round)
        {
            users.TryGetValue(candidate.UserId, out var user);
            if (Refusal(shift, candidate, user, emailsInRound) is { } reason)
            {
                decided.Refused[candidate] = reason;
                continue;
            }
            decided.Accepted.Add((candidate, user!));
            emailsInRound.Add(user!.Email);
        }
        return decided;
    }

    private DomainException? Refusal(ShiftView shift, Candidate candidate, UserView? user, HashSet<string> emailsInRound)
    {
        if (user is null) return DomainException.NotFound("The user");
        // Private turf: a shift that is not public does not exist for a volunteer no admin let in (docs/shifts.md).
        if (!shift.IsPublic && candidate.Source == SignupSource.Authenticated && !VolunteerGrants.Has(user.Role, user.Permissions, VolunteerGrant.PrivateShifts))
            return DomainException.NotFound("The shift");
        if (ClosedReason(shift) is { } closed) return closed;
        if (candidate.Source == SignupSource.Authenticated && user.Role == UserRole.Temp)
            return DomainException.Forbidden("Temporary accounts sign up through the public shift page.");
        if (user.Status != UserStatus.Active) return Conflict("The account is not active.", "account_inactive");
        if (emailsInRound.Contains(user.Email)) return AlreadySignedUp();
        return null;
    }

    public static DomainException AlreadySignedUp() => Conflict("This email is already signed up for the shift or on its waitlist.", "already_signed_up");

    public static DomainException Conflict(string message, string reason) =>
        DomainException.Conflict(message, new Dictionary<string, string> { ["reason"] = reason });
}
