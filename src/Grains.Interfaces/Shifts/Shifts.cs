using ChangemakerLite.Grains.Interfaces.Platform;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Interfaces.Shifts;

/// <summary>A shift as admins and signed-in volunteers see it.</summary>
[GenerateSerializer, Immutable, Alias("cml.shifts.ShiftView")]
public sealed record ShiftView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string? Description,
    [property: Id(3)] DateOnly Date,
    [property: Id(4)] string StartTime,
    [property: Id(5)] string EndTime,
    [property: Id(6)] string? Location,
    [property: Id(7)] int MaxVolunteers,
    [property: Id(8)] int CurrentVolunteers,
    [property: Id(9)] ShiftStatus Status,
    [property: Id(10)] bool IsPublic,
    [property: Id(11)] Guid? CutId,
    [property: Id(12)] string? CreatedBy,
    [property: Id(13)] DateTimeOffset CreatedAt,
    [property: Id(14)] DateTimeOffset UpdatedAt,
    [property: Id(15)] int WaitlistCount = 0);

/// <summary>A shift on the public page: what and when, and how many places are taken; nothing about who.</summary>
[GenerateSerializer, Immutable, Alias("cml.shifts.PublicShiftView")]
public sealed record PublicShiftView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string? Description,
    [property: Id(3)] DateOnly Date,
    [property: Id(4)] string StartTime,
    [property: Id(5)] string EndTime,
    [property: Id(6)] string? Location,
    [property: Id(7)] int MaxVolunteers,
    [property: Id(8)] int CurrentVolunteers,
    [property: Id(9)] ShiftStatus Status,
    [property: Id(10)] int WaitlistCount = 0);

[GenerateSerializer, Immutable, Alias("cml.shifts.SignupView")]
public sealed record SignupView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ShiftId,
    [property: Id(2)] string ShiftTitle,
    [property: Id(3)] Guid? UserId,
    [property: Id(4)] string UserEmail,
    [property: Id(5)] string? UserName,
    [property: Id(6)] string? UserPhone,
    [property: Id(7)] DateTimeOffset SignupDate,
    [property: Id(8)] SignupStatus Status,
    [property: Id(9)] SignupSource SignupSource,
    [property: Id(10)] int? WaitlistPosition = null);

/// <summary>
/// What an anonymous caller learns after a public signup: their signup only. No user id and no hint of
/// whether the email already had an account (the email itself tells its owner that).
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.shifts.PublicSignupView")]
public sealed record PublicSignupView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ShiftId,
    [property: Id(2)] string ShiftTitle,
    [property: Id(3)] DateOnly Date,
    [property: Id(4)] string StartTime,
    [property: Id(5)] string EndTime,
    [property: Id(6)] string Name,
    [property: Id(7)] string Email,
    [property: Id(8)] SignupStatus Status,
    [property: Id(9)] DateTimeOffset SignupDate,
    [property: Id(10)] int? WaitlistPosition = null)
{
    public static PublicSignupView From(SignupView signup, ShiftView shift) => new(signup.Id, signup.ShiftId, signup.ShiftTitle, shift.Date,
        shift.StartTime, shift.EndTime, signup.UserName ?? "", signup.UserEmail, signup.Status, signup.SignupDate, signup.WaitlistPosition);
}

/// <summary>One of the caller's own signups with the shift it is for (the volunteer's "my shifts").</summary>
[GenerateSerializer, Immutable, Alias("cml.shifts.MyShiftView")]
public sealed record MyShiftView(
    [property: Id(0)] Guid SignupId,
    [property: Id(1)] SignupStatus SignupStatus,
    [property: Id(2)] SignupSource SignupSource,
    [property: Id(3)] DateTimeOffset SignupDate,
    [property: Id(4)] ShiftView Shift,
    [property: Id(5)] int? WaitlistPosition = null);

[GenerateSerializer, Immutable, Alias("cml.shifts.CreateShiftCommand")]
public sealed record CreateShiftCommand(
    [property: Id(0)] string Title,
    [property: Id(1)] string? Description,
    [property: Id(2)] DateOnly Date,
    [property: Id(3)] string StartTime,
    [property: Id(4)] string EndTime,
    [property: Id(5)] string? Location,
    [property: Id(6)] int MaxVolunteers,
    [property: Id(7)] bool IsPublic,
    [property: Id(8)] Guid? CutId,
    [property: Id(9)] Guid? CreatedBy);

/// <summary>A partial edit: null leaves a field as it is; <see cref="ClearCutId"/> detaches the shift from its cut.</summary>
[GenerateSerializer, Immutable, Alias("cml.shifts.UpdateShiftCommand")]
public sealed record UpdateShiftCommand(
    [property: Id(0)] string? Title,
    [property: Id(1)] string? Description,
    [property: Id(2)] DateOnly? Date,
    [property: Id(3)] string? StartTime,
    [property: Id(4)] string? EndTime,
    [property: Id(5)] string? Location,
    [property: Id(6)] int? MaxVolunteers,
    [property: Id(7)] bool? IsPublic,
    [property: Id(8)] Guid? CutId,
    [property: Id(9)] bool ClearCutId = false);

/// <summary>A person named by email (admin-added or public signup), who may or may not have an account yet.</summary>
[GenerateSerializer, Immutable, Alias("cml.shifts.PersonSignupCommand")]
public sealed record PersonSignupCommand(
    [property: Id(0)] string Email,
    [property: Id(1)] string Name,
    [property: Id(2)] string? Phone,
    [property: Id(3)] SignupSource Source,
    [property: Id(4)] Guid? ActingUserId);

/// <summary>
/// A readable password and its bcrypt hash, made before the shift grain is called so that the quarter
/// second of hashing never holds up the shift's other signups. Used only if a TEMP user must be created.
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.shifts.NewCredential")]
public sealed record NewCredential([property: Id(0)] string Password, [property: Id(1)] string PasswordHash)
{
    public override string ToString() => "NewCredential { *** }";
}

[GenerateSerializer, Immutable, Alias("cml.shifts.ShiftFilter")]
public sealed record ShiftFilter(
    [property: Id(0)] DateOnly? From,
    [property: Id(1)] DateOnly? To,
    [property: Id(2)] ShiftStatus? Status,
    [property: Id(3)] Guid? CutId,
    [property: Id(4)] bool UpcomingByDefault = false,
    [property: Id(5)] Guid? VisibleTo = null)
{
    /// <summary>
    /// Only the shifts <see cref="VisibleTo"/> may see without the private-shifts grant: public ones, and non-public ones
    /// they hold a confirmed place on or wait in line for (an admin put them there). Null: every shift (admins, grant holders).
    /// </summary>
    public bool LimitedToPublic => VisibleTo is not null;
}

/// <summary>The body of every <c>shiftUpdated</c> live event (docs/api/shifts.md "Live").</summary>
public sealed record ShiftUpdated(Guid ShiftId, int CurrentVolunteers, int MaxVolunteers, ShiftStatus Status, int WaitlistCount);

/// <summary>
/// The body of a <c>waitlistPromoted</c> live event: the first <see cref="Promoted"/> in line were just given a place (so a
/// viewer further back moves up by as many), and the counts after. It names nobody, since anonymous viewers watch public
/// shifts; each promoted volunteer is told by email.
/// </summary>
public sealed record WaitlistPromoted(Guid ShiftId, int Promoted, int CurrentVolunteers, int WaitlistCount);

/// <summary>
/// The body of a <c>waitlistLeft</c> live event: the signup at <see cref="Position"/> left the line (a viewer behind it moves
/// up one), and the line's length after. Names nobody, as <see cref="WaitlistPromoted"/>.
/// </summary>
public sealed record WaitlistLeft(Guid ShiftId, int Position, int WaitlistCount);

/// <summary>
/// One shift: the single writer of its row and its signups. It keeps the shift in memory, decides capacity
/// (OPEN/FULL) and the waitlist (who is confirmed, who waits, who is promoted when a place frees), commits every change
/// in one transaction with a version check before answering, then pushes a coalesced <c>shiftUpdated</c> event (and a
/// <c>waitlistPromoted</c> one when the line moved up).
/// </summary>
[Alias("cml.shifts.IShiftGrain")]
public interface IShiftGrain : IGrainWithGuidKey
{
    [Alias("Create")] Task<ShiftView> Create(CreateShiftCommand command);
    [Alias("Get")] Task<ShiftView> Get();
    [Alias("Update")] Task<ShiftView> Update(UpdateShiftCommand command);
    [Alias("Cancel")] Task<ShiftView> Cancel(Guid actingUserId);
    [Alias("Delete")] Task Delete();

    // The two signups of existing users interleave so the grain can gather the ones that arrive together into one
    // transaction (group commit); each still answers only after that transaction committed.
    // Every signup answers CONFIRMED while a place is free and nobody waits, else WAITLISTED with its place in line.

    /// <summary>
    /// The signed-in caller signs up themself (AUTHENTICATED); TEMP users are refused, and a shift that is not public is
    /// "not found" unless the caller holds <see cref="Auth.VolunteerGrant.PrivateShifts"/> (docs/shifts.md).
    /// </summary>
    [AlwaysInterleave, Alias("SignUpSelf")] Task<SignupView> SignUpSelf(Guid userId);

    /// <summary>An admin adds an existing user (ADMIN).</summary>
    [AlwaysInterleave, Alias("SignUpUser")] Task<SignupView> SignUpUser(Guid userId, Guid actingUserId);

    /// <summary>An admin adds a person by email (ADMIN): reuses their account or creates a TEMP user with the credential.</summary>
    [Alias("SignUpPerson")] Task<SignupView> SignUpPerson(PersonSignupCommand command, NewCredential credential);

    /// <summary>Anyone signs up on the public page (PUBLIC): as <see cref="SignUpPerson"/>, answering with the signup only.</summary>
    [Alias("SignUpPublic")] Task<PublicSignupView> SignUpPublic(PersonSignupCommand command, NewCredential credential);

    /// <summary>
    /// Cancels a signup (the volunteer's own, or any when <paramref name="asAdmin"/>): a confirmed one frees its place, which the
    /// first in line takes in the same transaction; a waitlisted one leaves the line.
    /// </summary>
    [Alias("CancelSignup")] Task<SignupView> CancelSignup(Guid signupId, Guid actingUserId, bool asAdmin);

    /// <summary>Sets (or with null clears) the shift's lead, who receives the safety alerts of its canvass sessions.</summary>
    [Alias("SetLead")] Task<ShiftLeadView> SetLead(Guid? leadUserId);
}

/// <summary>A shift's lead (PUT /api/shifts/{id}/lead).</summary>
[GenerateSerializer, Immutable, Alias("cml.shifts.ShiftLeadView")]
public sealed record ShiftLeadView([property: Id(0)] Guid ShiftId, [property: Id(1)] Guid? LeadUserId);

/// <summary>
/// Signups that may need a new TEMP account: prepares the credential on any silo (bcrypt is slow), then
/// hands the signup to the shift's grain.
/// </summary>
[Alias("cml.shifts.IShiftSignupIntakeGrain")]
public interface IShiftSignupIntakeGrain : IGrainWithIntegerKey
{
    [Alias("SignUpPerson")] Task<SignupView> SignUpPerson(Guid shiftId, PersonSignupCommand command);
    [Alias("SignUpPublic")] Task<PublicSignupView> SignUpPublic(Guid shiftId, string email, string name, string? phone);
}

/// <summary>Reads that span rows (lists, a volunteer's shifts, a shift's signups), straight from PostgreSQL.</summary>
[Alias("cml.shifts.IShiftQueryGrain")]
public interface IShiftQueryGrain : IGrainWithIntegerKey
{
    [Alias("List")] Task<Page<ShiftView>> List(ShiftFilter filter, PageRequest page);
    [Alias("ListPublic")] Task<Page<PublicShiftView>> ListPublic(PageRequest page);
    [Alias("Mine")] Task<Page<MyShiftView>> Mine(Guid userId, DateOnly? from, DateOnly? to, PageRequest page);
    [Alias("Signups")] Task<Page<SignupView>> Signups(Guid shiftId, SignupStatus? status, PageRequest page);
    [Alias("IsPublic")] Task<bool> IsPublic(Guid shiftId);

    /// <summary>
    /// Whether the user holds a confirmed place on the shift or waits on its waitlist (what lets them see a non-public one
    /// without the grant).
    /// </summary>
    [Alias("IsSignedUp")] Task<bool> IsSignedUp(Guid shiftId, Guid userId);
}
