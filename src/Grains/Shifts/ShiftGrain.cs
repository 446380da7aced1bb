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
    private ShiftView? _shift;
    private int _version;

    // Every write holds this, so a group commit of signups and an edit never interleave their read-decide-write.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly List<PendingSignup> _pendingSignups = [];
    private bool _flushingSignups;

    private bool _liveDirty;
    private long _lastPublished;
    private IGrainTimer? _liveTimer;

    private Guid ShiftId => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => Reload(cancellationToken);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The last state must reach watchers even if the grain goes away before its timer fires.
        if (_liveDirty) PublishNow();
        return Task.CompletedTask;
    }

    public async Task<ShiftView> Create(CreateShiftCommand command)
    {
        if (_shift is not null) throw DomainException.Conflict("A shift with this id exists already.");
        var title = command.Title.Trim();
        ValidateShape(title, command.StartTime, command.EndTime, command.MaxVolunteers, command.Description, command.Location);
        if (command.Date < _calendar.Today) throw DomainException.Invalid("date", "must not be in the past.");

        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync();
        ShiftView? created;
        try
        {
            created = await connection.Command($"""
                INSERT INTO shifts (id, title, description, date, start_time, end_time, location, max_volunteers, current_volunteers,
                                    status, is_public, cut_id, created_by, version, created_at, updated_at)
                VALUES (@id, @title, @description, @date, @start, @end, @location, @max, 0, 'OPEN', @public, @cut, @createdBy, 0, @now, @now)
                ON CONFLICT (id) DO NOTHING
                RETURNING {ShiftRows.Columns}
                """, null,
                ("id", ShiftId), ("title", title), ("description", Blank(command.Description)), ("date", command.Date),
                ("start", command.StartTime), ("end", command.EndTime), ("location", Blank(command.Location)), ("max", command.MaxVolunteers),
                ("public", command.IsPublic), ("cut", command.CutId), ("createdBy", command.CreatedBy?.ToString()), ("now", now))
                .FirstOrDefaultAsync(ShiftRows.Read);
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
        if (shift.Status == ShiftStatus.Cancelled) throw Conflict("The shift is cancelled and can no longer be edited.", "cancelled");
        var title = command.Title?.Trim() ?? shift.Title;
        var start = command.StartTime ?? shift.StartTime;
        var end = command.EndTime ?? shift.EndTime;
        var max = command.MaxVolunteers ?? shift.MaxVolunteers;
        var description = command.Description is null ? shift.Description : Blank(command.Description);
        var location = command.Location is null ? shift.Location : Blank(command.Location);
        ValidateShape(title, start, end, max, description, location);
        if (command.Date is { } date && date != shift.Date && date < _calendar.Today)
            throw DomainException.Invalid("date", "must not be in the past.");
        if (max < shift.CurrentVolunteers)
            throw Conflict($"maxVolunteers cannot go below the {shift.CurrentVolunteers} confirmed signups.", "below_signups");

        var next = shift with
        {
            Title = title,
            Description = description,
            Date = command.Date ?? shift.Date,
            StartTime = start,
            EndTime = end,
            Location = location,
            MaxVolunteers = max,
            Status = ShiftRows.StatusFor(shift.Status, shift.CurrentVolunteers, max),
            IsPublic = command.IsPublic ?? shift.IsPublic,
            CutId = command.ClearCutId ? null : command.CutId ?? shift.CutId,
            UpdatedAt = time.GetUtcNow(),
        };
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            var saved = await connection.Command("""
                UPDATE shifts SET title = @title, description = @description, date = @date, start_time = @start, end_time = @end,
                                  location = @location, max_volunteers = @max, status = @status, is_public = @public, cut_id = @cut,
                                  version = version + 1, updated_at = @now
                WHERE id = @id AND version = @version
                """, transaction,
                ("title", next.Title), ("description", next.Description), ("date", next.Date), ("start", next.StartTime), ("end", next.EndTime),
                ("location", next.Location), ("max", next.MaxVolunteers), ("status", next.Status), ("public", next.IsPublic), ("cut", next.CutId),
                ("now", next.UpdatedAt), ("id", ShiftId), ("version", _version)).ExecuteAsync();
            if (saved == 0) throw new StaleVersionException();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw DomainException.Invalid("cutId", "no cut has this id.");
        }
        if (next.Title != shift.Title)
            await connection.Command("UPDATE shift_signups SET shift_title = @title WHERE shift_id = @id", transaction,
                ("title", next.Title), ("id", ShiftId)).ExecuteAsync();
        await transaction.CommitAsync();
        Apply(next, _version + 1);
        return next;
    });

    public Task<ShiftView> Cancel(Guid actingUserId) => Retrying(async shift =>
    {
        if (shift.Status == ShiftStatus.Cancelled) throw Conflict("The shift is already cancelled.", "cancelled");
        var next = shift with { Status = ShiftStatus.Cancelled, UpdatedAt = time.GetUtcNow() };
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await SaveCountsAsync(connection, transaction, next);
        // Everyone who expected to come hears about it, in the same transaction as the cancellation itself.
        var volunteers = await connection.Command(
            "SELECT user_email, user_name FROM shift_signups WHERE shift_id = @id AND status = 'CONFIRMED'", transaction, ("id", ShiftId))
            .ListAsync(r => (Email: r.Get<string>("user_email"), Name: r.GetOrNull<string>("user_name")));
        await ShiftEmails.EnqueueManyAsync(connection, transaction,
            volunteers.Select(v => ShiftEmails.ShiftCancelled(next, v.Email, v.Name)).ToList());
        await transaction.CommitAsync();
        Apply(next, _version + 1);
        logger.LogInformation("Shift {ShiftId} cancelled by {UserId}; {Count} volunteers emailed", ShiftId, actingUserId, volunteers.Count);
        return next;
    });

    public Task Delete() => Retrying(async _ =>
    {
        var deleted = await db.Command("DELETE FROM shifts WHERE id = @id AND version = @version", ("id", ShiftId), ("version", _version))
            .ExecuteAsync();
        if (deleted == 0) throw new StaleVersionException();
        _shift = null;
        _liveDirty = false;
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
        var signup = await SignUpByEmail(shift, command with { Source = SignupSource.Public, ActingUserId = null }, credential);
        return PublicSignupView.From(signup, shift);
    });

    public Task<SignupView> CancelSignup(Guid signupId, Guid actingUserId, bool asAdmin) => Retrying(async shift =>
    {
        var next = WithCount(shift, shift.CurrentVolunteers - 1);
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var cancelled = await connection.Command($"""
            UPDATE shift_signups SET status = 'CANCELLED'
            WHERE id = @signup AND shift_id = @id AND status = 'CONFIRMED' AND (@admin OR user_id = @user)
            RETURNING {ShiftRows.SignupColumns}
            """, transaction, ("signup", signupId), ("id", ShiftId), ("admin", asAdmin), ("user", actingUserId))
            .FirstOrDefaultAsync(ShiftRows.ReadSignup);
        if (cancelled is null)
        {
            await transaction.RollbackAsync();
            var existing = await connection.Command($"""
                SELECT {ShiftRows.SignupColumns} FROM shift_signups WHERE id = @signup AND shift_id = @id AND (@admin OR user_id = @user)
                """, null, ("signup", signupId), ("id", ShiftId), ("admin", asAdmin), ("user", actingUserId))
                .FirstOrDefaultAsync(ShiftRows.ReadSignup);
            // A signup the caller may not see answers like one that does not exist.
            if (existing is null) throw DomainException.NotFound("The signup");
            throw Conflict("The signup is already cancelled.", "already_cancelled");
        }
        await SaveCountsAsync(connection, transaction, next);
        await EmailOutbox.EnqueueAsync(connection, transaction, ShiftEmails.SignupCancelled(shift, cancelled.UserEmail, cancelled.UserName));
        await transaction.CommitAsync();
        Apply(next, _version + 1);
        return cancelled;
    });

    private async Task<SignupView> SignUpByEmail(ShiftView shift, PersonSignupCommand command, NewCredential credential)
    {
        EnsureOpenForSignups(shift);
        var email = EmailAddress.Normalize(command.Email);
        var name = command.Name.Trim();
        var phone = Blank(command.Phone);
        var now = time.GetUtcNow();
        var expiresAt = _calendar.TempUserExpiry(shift.Date);

        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var user = await connection.Command($"SELECT {UserRows.Columns} FROM users WHERE email = @email FOR UPDATE", transaction, ("email", email))
            .FirstOrDefaultAsync(UserRows.Read);
        ShiftEmails.TempAccount? account = null;
        if (user is null)
        {
            try
            {
                user = await UserRows.InsertAsync(connection, transaction, new UserRows.NewUser(
                    email, credential.PasswordHash, name, phone, UserRole.Temp,
                    command.Source == SignupSource.Public ? UserCreatedVia.PublicShiftSignup : UserCreatedVia.Admin,
                    ExpiresAt: expiresAt, ExpireDays: Math.Max(1, (int)Math.Ceiling((expiresAt - now).TotalDays)),
                    CreatedBy: command.ActingUserId), now);
            }
            catch (DomainException)
            {
                // Someone made an account with this email since our read: start again, and reuse it.
                throw new StaleVersionException();
            }
            account = new ShiftEmails.TempAccount(email, credential.Password, expiresAt);
        }
        else if (user.Role == UserRole.Temp)
        {
            // A TEMP volunteer signing up again keeps their account until after the later shift; a real account is never touched.
            await connection.Command("""
                UPDATE users SET expires_at = GREATEST(COALESCE(expires_at, @expires), @expires),
                                 status = CASE WHEN status = 'EXPIRED' THEN 'ACTIVE'::user_status ELSE status END,
                                 updated_at = @now
                WHERE id = @id
                """, transaction, ("expires", expiresAt), ("now", now), ("id", user.Id)).ExecuteAsync();
        }
        var signup = await InsertSignupAsync(connection, transaction, shift, user.Id, email, name, phone, command.Source, now,
            ShiftEmails.SignupConfirmed(shift, email, name, account));
        await transaction.CommitAsync();
        Apply(WithCount(shift, shift.CurrentVolunteers + 1), _version + 1);
        return signup;
    }

    private sealed record PendingSignup(Guid UserId, SignupSource Source, TaskCompletionSource<SignupView> Done);

    /// <summary>
    /// Group commit. Signups of existing users interleave: each joins the queue, and the first one finding no
    /// flush under way becomes the flusher, committing everything queued in one transaction per round while the
    /// next round gathers. Every caller is answered from the outcome of the transaction that held its signup,
    /// after it committed, so "committed before the answer" holds exactly as for a single signup.
    /// </summary>
    private async Task<SignupView> EnqueueSignup(Guid userId, SignupSource source)
    {
        var pending = new PendingSignup(userId, source, new TaskCompletionSource<SignupView>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pendingSignups.Add(pending);
        if (!_flushingSignups)
        {
            _flushingSignups = true;
            try
            {
                while (_pendingSignups.Count > 0)
                {
                    var round = _pendingSignups.ToArray();
                    _pendingSignups.Clear();
                    await FlushSignups(round);
                }
            }
            finally
            {
                _flushingSignups = false;
            }
        }
        return await pending.Done.Task;
    }

    private async Task FlushSignups(IReadOnlyList<PendingSignup> round)
    {
        await _writeLock.WaitAsync();
        try
        {
            // A full, cancelled or started shift refuses the whole round from memory: once a popular shift fills, the
            // rest of the rush costs the database nothing.
            var atStart = await Current();
            if (ClosedReason(atStart, atStart.CurrentVolunteers) is { } closed)
            {
                foreach (var pending in round) pending.Done.TrySetException(closed);
                return;
            }
            var users = (await db.Command($"SELECT {UserRows.Columns} FROM users WHERE id = ANY(@ids)",
                    ("ids", round.Select(p => p.UserId).Distinct().ToArray())).ListAsync(UserRows.Read))
                .ToDictionary(u => u.Id);
            var staleAttempts = 0;
            while (true)
            {
                var shift = await Current();
                var refused = new Dictionary<PendingSignup, DomainException>();
                // Refused only because the places ran out in this round: if a place turns out to be free, they try again.
                var refusedAsFull = new List<PendingSignup>();
                var accepted = new List<(PendingSignup Pending, UserView User)>();
                var emailsInRound = new HashSet<string>(StringComparer.Ordinal);
                var count = shift.CurrentVolunteers;
                foreach (var pending in round)
                {
                    users.TryGetValue(pending.UserId, out var user);
                    var reason = Refusal(shift, count, pending, user, emailsInRound);
                    if (reason is not null)
                    {
                        refused[pending] = reason;
                        if (count >= shift.MaxVolunteers) refusedAsFull.Add(pending);
                        continue;
                    }
                    accepted.Add((pending, user!));
                    emailsInRound.Add(user!.Email);
                    count++;
                }
                if (accepted.Count == 0)
                {
                    foreach (var (pending, error) in refused) pending.Done.TrySetException(error);
                    return;
                }

                // Committed with other shifts' rounds in one statement (SignupWriter), under this activation's version.
                var now = time.GetUtcNow();
                var outcome = await signups.WriteAsync(new SignupRound(ShiftId, _version, shift.Title, now,
                    accepted.Select(a => new SignupRow(Ids.New(), a.User.Id, a.User.Email, a.User.Name, a.User.Phone, a.Pending.Source,
                        ShiftEmails.SignupConfirmed(shift, a.User.Email, a.User.Name, null))).ToList()));
                if (!outcome.Fenced)
                {
                    // Another activation wrote first; nothing of this round was written. Decide it again on fresh state.
                    await Reload();
                    if (++staleAttempts >= RetryPolicy.StaleVersion.MaxAttempts)
                        throw DomainException.Conflict("The shift was changed at the same time; try again.");
                    continue;
                }
                Apply(shift with { CurrentVolunteers = outcome.CurrentVolunteers, Status = outcome.Status, UpdatedAt = now }, outcome.Version);
                var placeLeft = false;
                foreach (var (pending, user) in accepted)
                {
                    if (outcome.Inserted.TryGetValue(user.Email, out var signup))
                        pending.Done.TrySetResult(signup);
                    else
                    {
                        // The database already held this email as confirmed: the place it was given stays free.
                        placeLeft = true;
                        pending.Done.TrySetException(Conflict("This email is already signed up for the shift.", "already_signed_up"));
                    }
                }
                foreach (var (pending, error) in refused)
                {
                    if (placeLeft && refusedAsFull.Contains(pending)) _pendingSignups.Add(pending);
                    else pending.Done.TrySetException(error);
                }
                return;
            }
        }
        catch (Exception ex)
        {
            // Whatever went wrong, every caller of the round gets an answer; nothing of the round was committed.
            foreach (var pending in round) pending.Done.TrySetException(ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private DomainException? Refusal(ShiftView shift, int count, PendingSignup pending, UserView? user, HashSet<string> emailsInRound)
    {
        if (ClosedReason(shift, count) is { } closed) return closed;
        if (user is null) return DomainException.NotFound("The user");
        if (pending.Source == SignupSource.Authenticated && user.Role == UserRole.Temp)
            return DomainException.Forbidden("Temporary accounts sign up through the public shift page.");
        if (user.Status != UserStatus.Active) return Conflict("The account is not active.", "account_inactive");
        if (emailsInRound.Contains(user.Email))
            return Conflict("This email is already signed up for the shift.", "already_signed_up");
        return null;
    }

    /// <summary>
    /// The signup row (a cancelled one for the same email is confirmed again, keeping its id), the shift's
    /// new count under the version check, and the confirmation email: one round trip, one transaction.
    /// </summary>
    private async Task<SignupView> InsertSignupAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ShiftView shift,
        Guid userId, string email, string? name, string? phone, SignupSource source, DateTimeOffset now, OutboundEmail confirmation)
    {
        var next = WithCount(shift, shift.CurrentVolunteers + 1);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(BatchCommand($"""
            INSERT INTO shift_signups AS s (id, shift_id, shift_title, user_id, user_email, user_name, user_phone, signup_date, status, signup_source)
            VALUES (@signup, @id, @title, @user, @email, @name, @phone, @now, 'CONFIRMED', @source)
            {ShiftRows.ConfirmAgainIfCancelled}
            RETURNING {ShiftRows.SignupColumns}
            """, ("signup", Ids.New()), ("id", ShiftId), ("title", shift.Title), ("user", userId), ("email", email), ("name", name),
            ("phone", phone), ("now", now), ("source", source)));
        batch.BatchCommands.Add(SaveCountsCommand(next));
        batch.BatchCommands.Add(ShiftEmails.EnqueueManyCommand([confirmation]));

        SignupView? signup;
        bool saved;
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            signup = await reader.ReadAsync() ? ShiftRows.ReadSignup(reader) : null;
            await reader.NextResultAsync();
            saved = await reader.ReadAsync();
        }
        // The transaction is rolled back when it is disposed uncommitted, so neither case leaves anything behind.
        if (signup is null) throw Conflict("This email is already signed up for the shift.", "already_signed_up");
        if (!saved) throw new StaleVersionException();
        return signup;
    }

    private async Task SaveCountsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ShiftView next)
    {
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { SaveCountsCommand(next) } };
        await using var reader = await batch.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) throw new StaleVersionException();
    }

    /// <summary>The only write of the count and status: it succeeds only against the version this activation loaded.</summary>
    private NpgsqlBatchCommand SaveCountsCommand(ShiftView next) => BatchCommand("""
        UPDATE shifts SET current_volunteers = @count, status = @status, version = version + 1, updated_at = @now
        WHERE id = @id AND version = @version
        RETURNING version
        """, ("count", next.CurrentVolunteers), ("status", next.Status), ("now", next.UpdatedAt), ("id", ShiftId), ("version", _version));

    private static NpgsqlBatchCommand BatchCommand(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private ShiftView WithCount(ShiftView shift, int count) => shift with
    {
        CurrentVolunteers = count,
        Status = ShiftRows.StatusFor(shift.Status, count, shift.MaxVolunteers),
        UpdatedAt = time.GetUtcNow(),
    };

    private void EnsureOpenForSignups(ShiftView shift)
    {
        if (ClosedReason(shift, shift.CurrentVolunteers) is { } closed) throw closed;
    }

    /// <summary>Why the shift takes no signup when <paramref name="count"/> places are taken, or null when it does.</summary>
    private DomainException? ClosedReason(ShiftView shift, int count) =>
        shift.Status == ShiftStatus.Cancelled ? Conflict("The shift is cancelled.", "cancelled")
        : _calendar.HasStarted(shift) ? Conflict("The shift has already started or is over.", "past")
        : count >= shift.MaxVolunteers ? Conflict("The shift is full.", "full")
        : null;

    /// <summary>
    /// Runs a command against the current state; when the version check shows another activation wrote
    /// first, reloads and decides again, and after a few tries answers 409 rather than guess.
    /// </summary>
    private async Task<T> Retrying<T>(Func<ShiftView, Task<T>> command)
    {
        await _writeLock.WaitAsync();
        try
        {
            return await RetryingLocked(command);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private Task<T> RetryingLocked<T>(Func<ShiftView, Task<T>> command) =>
        RetryPolicy.StaleVersion.RunAsync(async () => await command(await Current()),
            beforeRetry: async (_, attempt) =>
            {
                logger.LogInformation("Shift {ShiftId} changed underneath this activation (attempt {Attempt}); reloading", ShiftId, attempt);
                await Reload();
            },
            exhausted: _ => DomainException.Conflict("The shift was changed at the same time; try again."));

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
        var loaded = await db.Command($"SELECT {ShiftRows.Columns} FROM shifts WHERE id = @id", ("id", ShiftId))
            .FirstOrDefaultAsync(r => (Shift: ShiftRows.Read(r), Version: r.Get<int>("version")), cancellationToken);
        var changed = _shift is not null && (loaded.Shift is null || loaded.Version != _version);
        _shift = loaded.Shift;
        _version = loaded.Version;
        // What watchers last saw came from a stale copy; show them the committed state.
        if (changed && _shift is not null) MarkChanged();
    }

    private void Apply(ShiftView next, int version)
    {
        _shift = next;
        _version = version;
        MarkChanged();
    }

    /// <summary>
    /// Live updates are coalesced: the first change after a quiet spell goes out at once, later ones wait
    /// for a timer that publishes the state as it is when it fires, at most every <see cref="LiveInterval"/>.
    /// The state published last is therefore always the latest committed one.
    /// </summary>
    private void MarkChanged()
    {
        _liveDirty = true;
        if (_liveTimer is not null) return;
        var sinceLast = _lastPublished == 0 ? TimeSpan.MaxValue : time.GetElapsedTime(_lastPublished);
        if (sinceLast >= LiveInterval)
        {
            PublishNow();
            return;
        }
        _liveTimer = this.RegisterGrainTimer(_ =>
        {
            _liveTimer?.Dispose();
            _liveTimer = null;
            if (_liveDirty) PublishNow();
            return Task.CompletedTask;
        }, LiveInterval - sinceLast, Timeout.InfiniteTimeSpan);
    }

    private void PublishNow()
    {
        _liveDirty = false;
        _lastPublished = time.GetTimestamp();
        if (_shift is not { } shift) return;
        live.Publish(LiveTopics.Shift(shift.Id), "shiftUpdated",
            new ShiftUpdated(shift.Id, shift.CurrentVolunteers, shift.MaxVolunteers, shift.Status));
    }

    private static void ValidateShape(string title, string start, string end, int max, string? description, string? location)
    {
        if (title.Length == 0) throw DomainException.Invalid("title", "is required.");
        if (title.Length > ShiftRules.TitleMaxLength) throw DomainException.Invalid("title", $"must be at most {ShiftRules.TitleMaxLength} characters.");
        if (description?.Length > ShiftRules.DescriptionMaxLength)
            throw DomainException.Invalid("description", $"must be at most {ShiftRules.DescriptionMaxLength} characters.");
        if (location?.Length > ShiftRules.LocationMaxLength)
            throw DomainException.Invalid("location", $"must be at most {ShiftRules.LocationMaxLength} characters.");
        if (!ShiftRules.IsTime(start)) throw DomainException.Invalid("startTime", "must be a time HH:MM between 00:00 and 23:59.");
        if (!ShiftRules.IsTime(end)) throw DomainException.Invalid("endTime", "must be a time HH:MM between 00:00 and 23:59.");
        if (!ShiftRules.EndsAfterStart(start, end)) throw DomainException.Invalid("endTime", "must be after startTime.");
        if (max is < 1 or > ShiftRules.MaxVolunteersLimit)
            throw DomainException.Invalid("maxVolunteers", $"must be between 1 and {ShiftRules.MaxVolunteersLimit}.");
    }

    private static DomainException Conflict(string message, string reason) =>
        DomainException.Conflict(message, new Dictionary<string, string> { ["reason"] = reason });

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
