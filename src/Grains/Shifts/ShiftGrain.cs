using ChangemakerLite.Grains.Auth;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Shifts;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>
/// The single writer of one shift. The shift row lives in memory after activation; every command checks
/// its rules against that copy, commits in one transaction whose UPDATE of the shift row checks and bumps
/// <c>version</c>, and only then changes memory and answers. If the version does not match, another
/// activation (a membership change) wrote in between: the grain reloads and re-decides, never overwrites.
///
/// The grain orders its commands and keeps the state; the rules and the helpers it runs are each in one place:
/// the shape of a shift (<see cref="ShiftRules"/>), who may sign up (<see cref="ShiftAdmission"/>), who is confirmed,
/// who waits and who is promoted (<see cref="ShiftWaitlist"/>), the TEMP
/// accounts of people signed up by email (<see cref="TempVolunteers"/>, Auth's rule), gathering signups into
/// rounds (<see cref="RoundQueue{T}"/>) written with other shifts' rounds (<see cref="SignupWriter"/>), the retry on
/// a stale version (<see cref="RetryPolicy.StaleVersion"/>) and the coalesced live updates
/// (<see cref="CoalescedLiveUpdates"/>).
/// </summary>
public sealed class ShiftGrain(
    NpgsqlDataSource db,
    TimeProvider time,
    IConfiguration configuration,
    LivePublisher live,
    SignupWriter signups,
    ILogger<ShiftGrain> logger) : Grain, IShiftGrain
{
    private static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(250);

    private readonly ShiftCalendar _calendar = ShiftCalendar.From(configuration, time);
    private ShiftAdmission? _admission;
    private ShiftWaitlist? _waitlist;
    private ShiftView? _shift;
    private int _version;

    // Every write holds this, so a group commit of signups and an edit never interleave their read-decide-write.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly RoundQueue<ShiftAdmission.Candidate> _signupRounds = new();
    private CoalescedLiveUpdates? _live;

    private Guid ShiftId => this.GetPrimaryKey();

    private ShiftAdmission Admission => _admission ??= new ShiftAdmission(_calendar);

    private ShiftWaitlist Waitlist => _waitlist ??= new ShiftWaitlist(_calendar);

    private CoalescedLiveUpdates Live => _live ??= new CoalescedLiveUpdates(LiveInterval, time,
        (due, fire) => this.RegisterGrainTimer(_ =>
        {
            fire();
            return Task.CompletedTask;
        }, due, Timeout.InfiniteTimeSpan),
        PublishShift);

    public override Task OnActivateAsync(CancellationToken cancellationToken) => Reload(cancellationToken);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The last state must reach watchers even if the grain goes away before its timer fires.
        _live?.Flush();
        return Task.CompletedTask;
    }

    public async Task<ShiftView> Create(CreateShiftCommand command)
    {
        if (_shift is not null) throw DomainException.Conflict("A shift with this id exists already.");
        var title = command.Title.Trim();
        ShiftRules.EnsureShape(title, command.StartTime, command.EndTime, command.MaxVolunteers, command.Description, command.Location);
        if (command.Date < _calendar.Today) throw DomainException.Invalid("date", "must not be in the past.");

        var now = time.GetUtcNow();
        ShiftView? created;
        try
        {
            created = await ShiftRows.InsertAsync(db, ShiftId, command with
            {
                Title = title, Description = Blank(command.Description), Location = Blank(command.Location),
            }, now);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw DomainException.Invalid("cutId", "no cut has this id.");
        }
        if (created is null) throw DomainException.Conflict("A shift with this id exists already.");
        Apply(created, 0);
        return created;
    }

    public async Task<ShiftView> Get() => await Current();

    public Task<ShiftView> Update(UpdateShiftCommand command) => Retrying(async shift =>
    {
        if (shift.Status == ShiftStatus.Cancelled) throw ShiftAdmission.Conflict("The shift is cancelled and can no longer be edited.", "cancelled");
        var title = command.Title?.Trim() ?? shift.Title;
        var start = command.StartTime ?? shift.StartTime;
        var end = command.EndTime ?? shift.EndTime;
        var max = command.MaxVolunteers ?? shift.MaxVolunteers;
        var description = command.Description is null ? shift.Description : Blank(command.Description);
        var location = command.Location is null ? shift.Location : Blank(command.Location);
        ShiftRules.EnsureShape(title, start, end, max, description, location);
        if (command.Date is { } date && date != shift.Date && date < _calendar.Today)
            throw DomainException.Invalid("date", "must not be in the past.");
        // A capacity below the confirmed signups keeps them all (none is taken back) and promotes nobody; a raised one
        // promotes the first in line into the new places, below, in this same transaction.

        var next = shift with
        {
            Title = title,
            Description = description,
            Date = command.Date ?? shift.Date,
            StartTime = start,
            EndTime = end,
            Location = location,
            MaxVolunteers = max,
            Status = ShiftRules.StatusFor(shift.Status, shift.CurrentVolunteers, max),
            IsPublic = command.IsPublic ?? shift.IsPublic,
            CutId = command.ClearCutId ? null : command.CutId ?? shift.CutId,
            UpdatedAt = time.GetUtcNow(),
        };
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        (next, var promoted) = await Waitlist.FillAsync(connection, transaction, next);
        try
        {
            if (!await ShiftRows.SaveAsync(connection, transaction, _version, next)) throw new StaleVersionException();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw DomainException.Invalid("cutId", "no cut has this id.");
        }
        if (next.Title != shift.Title) await ShiftRows.RetitleSignupsAsync(connection, transaction, ShiftId, next.Title);
        await transaction.CommitAsync();
        Apply(next, _version + 1);
        PublishPromoted(promoted);
        return next;
    });

    public Task<ShiftLeadView> SetLead(Guid? leadUserId) => Retrying(async _ =>
    {
        // The lead is not part of ShiftView, so it is not held in memory; the row's version still fences the write.
        int saved;
        try
        {
            saved = await ShiftRows.SetLeadAsync(db, ShiftId, _version, leadUserId);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw DomainException.Invalid("userId", "No user has this id.");
        }
        if (saved == 0) throw new StaleVersionException();
        _version++;
        return new ShiftLeadView(ShiftId, leadUserId);
    });

    public Task<ShiftView> Cancel(Guid actingUserId) => Retrying(async shift =>
    {
        if (shift.Status == ShiftStatus.Cancelled) throw ShiftAdmission.Conflict("The shift is already cancelled.", "cancelled");
        var next = shift with { Status = ShiftStatus.Cancelled, UpdatedAt = time.GetUtcNow() };
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ShiftRows.SaveCountsAsync(connection, transaction, ShiftId, _version, next);
        // Everyone who expected to come or was waiting for a place hears about it, in the same transaction as the cancellation.
        var volunteers = await ShiftRows.ExpectedVolunteersAsync(connection, transaction, ShiftId);
        await ShiftEmails.EnqueueManyAsync(connection, transaction,
            volunteers.Select(v => ShiftEmails.ShiftCancelled(next, v.Email, v.Name)).ToList());
        await transaction.CommitAsync();
        Apply(next, _version + 1);
        logger.LogInformation("Shift {ShiftId} cancelled by {UserId}; {Count} volunteers emailed", ShiftId, actingUserId, volunteers.Count);
        return next;
    });

    public Task Delete() => Retrying(async _ =>
    {
        if (!await ShiftRows.DeleteAsync(db, ShiftId, _version)) throw new StaleVersionException();
        _shift = null;
        _live?.Discard();
        DeactivateOnIdle();
        return true;
    });

    public Task<SignupView> SignUpSelf(Guid userId) => EnqueueSignup(userId, SignupSource.Authenticated);

    public Task<SignupView> SignUpUser(Guid userId, Guid actingUserId) => EnqueueSignup(userId, SignupSource.Admin);

    public Task<SignupView> SignUpPerson(PersonSignupCommand command, NewCredential credential) =>
        Retrying(shift => SignUpByEmail(shift, command with { Source = SignupSource.Admin }, credential));

    public Task<PublicSignupView> SignUpPublic(PersonSignupCommand command, NewCredential credential) => Retrying(async shift =>
    {
        if (!shift.IsPublic) throw DomainException.NotFound("The shift");
        if (!ShiftRules.IsPlainName(command.Name)) throw DomainException.Invalid("name", ShiftRules.PlainNameRule);
        var signup = await SignUpByEmail(shift, command with { Source = SignupSource.Public, ActingUserId = null }, credential);
        return PublicSignupView.From(signup, shift);
    });

    public Task<SignupView> CancelSignup(Guid signupId, Guid actingUserId, bool asAdmin) => Retrying(async shift =>
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var cancelled = await ShiftRows.CancelSignupAsync(connection, transaction, ShiftId, signupId, asAdmin, actingUserId);
        if (cancelled.Signup is null)
        {
            await transaction.RollbackAsync();
            // A signup the caller may not see answers like one that does not exist.
            if (!await ShiftRows.SignupVisibleAsync(connection, ShiftId, signupId, asAdmin, actingUserId)) throw DomainException.NotFound("The signup");
            throw ShiftAdmission.Conflict("The signup is already cancelled.", "already_cancelled");
        }
        // A confirmed place freed goes to the first in line at once; leaving the line moves those behind up one.
        var (next, promoted) = await Waitlist.FillAsync(connection, transaction,
            ShiftWaitlist.Counted(shift, cancelled.Was, -1, time.GetUtcNow()));
        await ShiftRows.SaveCountsAsync(connection, transaction, ShiftId, _version, next);
        await EmailOutbox.EnqueueAsync(connection, transaction, ShiftEmails.SignupCancelled(shift, cancelled.Signup.UserEmail, cancelled.Signup.UserName));
        await transaction.CommitAsync();
        Apply(next, _version + 1);
        PublishPromoted(promoted);
        if (cancelled.Position is { } position)
            live.Publish(LiveTopics.Shift(ShiftId), "waitlistLeft", new WaitlistLeft(ShiftId, position, next.WaitlistCount));
        return cancelled.Signup;
    });

    private async Task<SignupView> SignUpByEmail(ShiftView shift, PersonSignupCommand command, NewCredential credential)
    {
        Admission.EnsureOpen(shift);
        var email = EmailAddress.Normalize(command.Email);
        var name = command.Name.Trim();
        var phone = Blank(command.Phone);
        var now = time.GetUtcNow();
        var expiresAt = _calendar.TempUserExpiry(shift.Date);

        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        TempVolunteers.Account account;
        try
        {
            account = await TempVolunteers.FindOrCreateAsync(connection, transaction, email, name, phone, credential.PasswordHash,
                command.Source == SignupSource.Public ? UserCreatedVia.PublicShiftSignup : UserCreatedVia.Admin, command.ActingUserId,
                expiresAt, now);
        }
        catch (DomainException)
        {
            // Someone made an account with this email since our read: start again, and reuse it.
            throw new StaleVersionException();
        }
        var user = account.User;
        var tempAccount = account.Created ? new ShiftEmails.TempAccount(email, credential.Password, expiresAt) : null;
        // An account that existed is greeted by its own name, not by whatever the signup form was given.
        var mailName = account.Created ? name : user.Name ?? name;
        // The grain's counts are the database's (the version check below proves it), so the waitlist rule decides here.
        var status = ShiftWaitlist.StatusFor(shift);
        var next = ShiftWaitlist.Counted(shift, status, +1, now);
        var mail = status == SignupStatus.Confirmed
            ? ShiftEmails.SignupConfirmed(shift, email, mailName, tempAccount)
            : ShiftEmails.Waitlisted(shift, email, mailName, next.WaitlistCount, tempAccount);
        var signup = await ShiftRows.InsertSignupAsync(connection, transaction, shift, next, _version, user.Id, email, name, phone,
            command.Source, status, now, mail);
        await transaction.CommitAsync();
        Apply(next, _version + 1);
        return signup;
    }

    /// <summary>
    /// Group commit. Signups of existing users interleave: each joins the next round (<see cref="RoundQueue{T}"/>),
    /// and each round is decided at once and written in one transaction while the next round gathers. Every caller is
    /// answered from the outcome of the transaction that held its signup, after it committed, so "committed before the
    /// answer" holds exactly as for a single signup.
    /// </summary>
    private async Task<SignupView> EnqueueSignup(Guid userId, SignupSource source)
    {
        var candidate = new ShiftAdmission.Candidate(userId, source,
            new TaskCompletionSource<SignupView>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _signupRounds.AddAsync(candidate, FlushSignups);
        return await candidate.Done.Task;
    }

    private async Task FlushSignups(IReadOnlyList<ShiftAdmission.Candidate> round)
    {
        await _writeLock.WaitAsync();
        try
        {
            // A cancelled or started shift refuses the whole round from memory (a full one takes it onto its waitlist).
            var atStart = await Current();
            // Only for a public shift: a non-public one must first tell who may know it exists (ShiftAdmission).
            if (atStart.IsPublic && Admission.ClosedReason(atStart) is { } closed)
            {
                foreach (var candidate in round) candidate.Done.TrySetException(closed);
                return;
            }
            var users = (await UserRows.ByIdsAsync(db, round.Select(p => p.UserId).Distinct().ToArray())).ToDictionary(u => u.Id);
            // A round refused by the version fence (another activation wrote first; nothing of it was written) is decided
            // again on fresh state.
            await RetryPolicy.StaleVersion.RunAsync(async () =>
                {
                    await WriteRound(round, users);
                    return true;
                },
                beforeRetry: async (_, attempt) =>
                {
                    logger.LogInformation("Shift {ShiftId} changed underneath this activation (signup round, attempt {Attempt}); reloading", ShiftId, attempt);
                    await Reload();
                },
                exhausted: _ => DomainException.Conflict("The shift was changed at the same time; try again."));
        }
        catch (Exception ex)
        {
            // Whatever went wrong, every caller of the round gets an answer; nothing of the round was committed.
            foreach (var candidate in round) candidate.Done.TrySetException(ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>One attempt at a round: decided on the state this activation holds, written under its version.</summary>
    private async Task WriteRound(IReadOnlyList<ShiftAdmission.Candidate> round, Dictionary<Guid, UserView> users)
    {
        var shift = await Current();
        var decided = Admission.Decide(shift, round, users);
        if (decided.Accepted.Count == 0)
        {
            foreach (var (candidate, error) in decided.Refused) candidate.Done.TrySetException(error);
            return;
        }

        // Committed with other shifts' rounds in one statement (SignupWriter), under this activation's version.
        var now = time.GetUtcNow();
        var outcome = await signups.WriteAsync(new SignupRound(ShiftId, _version, shift.Title, now,
            decided.Accepted.Select(a => new SignupRow(Ids.New(), a.User.Id, a.User.Email, a.User.Name, a.User.Phone, a.Candidate.Source,
                ShiftEmails.SignupConfirmed(shift, a.User.Email, a.User.Name, null))).ToList()));
        if (!outcome.Fenced) throw new StaleVersionException();
        Apply(shift with { CurrentVolunteers = outcome.CurrentVolunteers, WaitlistCount = outcome.WaitlistCount, Status = outcome.Status, UpdatedAt = now },
            outcome.Version);
        foreach (var (candidate, user) in decided.Accepted)
        {
            // Not inserted: the database already held this email as confirmed or waitlisted (it took no place in line).
            if (outcome.Inserted.TryGetValue(user.Email, out var signup)) candidate.Done.TrySetResult(signup);
            else candidate.Done.TrySetException(ShiftAdmission.AlreadySignedUp());
        }
        foreach (var (candidate, error) in decided.Refused) candidate.Done.TrySetException(error);
    }

    /// <summary>
    /// Runs a command against the current state; when the version check shows another activation wrote
    /// first, reloads and decides again, and after a few tries answers 409 rather than guess.
    /// </summary>
    private async Task<T> Retrying<T>(Func<ShiftView, Task<T>> command)
    {
        await _writeLock.WaitAsync();
        try
        {
            return await RetryPolicy.StaleVersion.RunAsync(async () => await command(await Current()),
                beforeRetry: async (_, attempt) =>
                {
                    logger.LogInformation("Shift {ShiftId} changed underneath this activation (attempt {Attempt}); reloading", ShiftId, attempt);
                    await Reload();
                },
                exhausted: _ => DomainException.Conflict("The shift was changed at the same time; try again."));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<ShiftView> Current()
    {
        if (_shift is null) await Reload();
        if (_shift is not null) return _shift;
        // Nothing to hold in memory for an id with no shift.
        DeactivateOnIdle();
        throw DomainException.NotFound("The shift");
    }

    private async Task Reload(CancellationToken cancellationToken = default)
    {
        var loaded = await ShiftRows.LoadAsync(db, ShiftId, cancellationToken);
        var changed = _shift is not null && (loaded.Shift is null || loaded.Version != _version);
        _shift = loaded.Shift;
        _version = loaded.Version;
        // What watchers last saw came from a stale copy; show them the committed state.
        if (changed && _shift is not null) Live.MarkChanged();
    }

    private void Apply(ShiftView next, int version)
    {
        _shift = next;
        _version = version;
        Live.MarkChanged();
    }

    private void PublishShift()
    {
        if (_shift is not { } shift) return;
        live.Publish(LiveTopics.Shift(shift.Id), "shiftUpdated",
            new ShiftUpdated(shift.Id, shift.CurrentVolunteers, shift.MaxVolunteers, shift.Status, shift.WaitlistCount));
    }

    /// <summary>
    /// Promotions are told at once, not coalesced: each one moves everyone still in line up, which each viewer works out for
    /// their own place from the event (after the commit).
    /// </summary>
    private void PublishPromoted(IReadOnlyList<SignupView> promoted)
    {
        if (promoted.Count == 0 || _shift is not { } shift) return;
        logger.LogInformation("Shift {ShiftId}: {Count} promoted from the waitlist", ShiftId, promoted.Count);
        live.Publish(LiveTopics.Shift(shift.Id), "waitlistPromoted",
            new WaitlistPromoted(shift.Id, promoted.Count, shift.CurrentVolunteers, shift.WaitlistCount));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
