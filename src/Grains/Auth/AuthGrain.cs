using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Auth;

[StatelessWorker]
public sealed class AuthGrain(NpgsqlDataSource db, TimeProvider time, IConfiguration configuration) : Grain, IAuthGrain
{
    private const string InvalidCredentials = "Invalid credentials.";
    private readonly TimeSpan _refreshLifetime = TimeSpan.FromDays(configuration.GetValue("REFRESH_TOKEN_DAYS", 7.0));

    /// <summary>
    /// Registers, answering alike whether or not the address has an account (the caller learns nothing); what happened is
    /// told by mail to the address (docs/api/auth.md "Register"): a new account and its verification link; for an address
    /// held only by a TEMP or EXPIRED account, a claim whose verification link takes that account over; for any other
    /// account, nothing changes and its owner is told how to reset the password.
    /// </summary>
    public async Task Register(RegisterCommand command)
    {
        PasswordPolicy.Enforce("password", command.Password);
        // The same bcrypt work on every path, so the time taken does not tell either.
        var passwordHash = Passwords.Hash(command.Password);
        var email = EmailAddress.Normalize(command.Email);
        var name = command.Name.Trim();
        var phone = string.IsNullOrWhiteSpace(command.Phone) ? null : command.Phone.Trim();
        await RetryPolicy.StaleVersion.RunAsync(async () =>
        {
            var token = Secrets.NewToken();
            var now = time.GetUtcNow();
            await using var connection = await db.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var existing = await connection.Command($"SELECT {UserRows.Columns} FROM users WHERE email = @email FOR UPDATE", transaction,
                ("email", email)).FirstOrDefaultAsync(UserRows.Read);
            OutboundEmail mail;
            if (existing is null)
            {
                try
                {
                    await UserRows.InsertAsync(connection, transaction, new UserRows.NewUser(
                        email, passwordHash, name, phone, UserRole.User, UserCreatedVia.Standard,
                        VerificationTokenHash: Secrets.Hash(token), VerificationExpiresAt: now + AuthEmails.VerificationLifetime), now);
                }
                catch (DomainException)
                {
                    // Someone registered this address since the read: decide again against their account.
                    throw new StaleVersionException();
                }
                mail = AuthEmails.Verification(email, name, command.PublicBaseUrl, token);
            }
            else if (IsClaimable(existing))
            {
                await connection.Command("""
                    INSERT INTO account_claims (id, user_id, token_hash, password_hash, name, phone, expires_at, created_at)
                    VALUES (@id, @user, @hash, @password, @name, @phone, @expires, @now)
                    """, transaction, ("id", Ids.New()), ("user", existing.Id), ("hash", Secrets.Hash(token)), ("password", passwordHash),
                    ("name", name), ("phone", phone), ("expires", now + AuthEmails.VerificationLifetime), ("now", now)).ExecuteAsync();
                mail = AuthEmails.Verification(email, name, command.PublicBaseUrl, token);
            }
            else
            {
                mail = AuthEmails.AccountExists(email, existing.Name, command.PublicBaseUrl);
            }
            await EmailOutbox.EnqueueAsync(connection, transaction, mail);
            await transaction.CommitAsync();
            return true;
        }, exhausted: _ => DomainException.Conflict("The address was registered at the same time; try again."));
    }

    /// <summary>An account that registering may take over (through the emailed link): a TEMP volunteer's, or an expired one.</summary>
    private static bool IsClaimable(UserView user) => user.Role == UserRole.Temp || user.Status == UserStatus.Expired;

    public async Task<SignIn> Login(string email, string password, string? ip)
    {
        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync();
        var row = await connection.Command($"SELECT {UserRows.Columns}, password_hash FROM users WHERE email = @email", null,
                ("email", EmailAddress.Normalize(email)))
            .FirstOrDefaultAsync(r => (User: UserRows.Read(r), Hash: r.Get<string>("password_hash")));
        // Same answer, and the same bcrypt work, whether the email is unknown, the password wrong or the account closed.
        if (!Passwords.Verify(password, row.Hash) || row.User is null) throw DomainException.Unauthorized(InvalidCredentials);
        if (!await IsAllowedToSignIn(connection, row.User, now)) throw DomainException.Unauthorized(InvalidCredentials);

        await using var transaction = await connection.BeginTransactionAsync();
        await connection.Command("UPDATE users SET last_login_at = @now WHERE id = @id", transaction, ("now", now), ("id", row.User.Id)).ExecuteAsync();
        var (refresh, expiresAt) = await IssueRefreshToken(connection, transaction, row.User.Id, Ids.New(), ip, now);
        await transaction.CommitAsync();
        return new SignIn(row.User with { LastLoginAt = now }, refresh, expiresAt);
    }

    public async Task<SignIn> Refresh(string refreshToken, string? ip)
    {
        var now = time.GetUtcNow();
        var hash = Secrets.Hash(refreshToken);
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // One statement both checks and consumes the token, so two refreshes with the same token cannot both win.
        var consumed = await connection.Command("""
            UPDATE refresh_tokens SET used_at = @now
            WHERE token_hash = @hash AND used_at IS NULL AND revoked_at IS NULL AND expires_at > @now
            RETURNING id, user_id, family_id
            """, transaction, ("now", now), ("hash", hash))
            .FirstOrDefaultAsync(r => (Id: r.Get<Guid>("id"), UserId: r.Get<Guid>("user_id"), Family: r.Get<Guid>("family_id")));
        if (consumed.UserId == Guid.Empty)
        {
            var reused = await connection.Command("SELECT user_id FROM refresh_tokens WHERE token_hash = @hash AND used_at IS NOT NULL",
                transaction, ("hash", hash)).FirstOrDefaultAsync(r => r.Get<Guid>("user_id"));
            if (reused != Guid.Empty)
            {
                // A token that was already rotated came back: someone holds a stolen copy. End every session of the user.
                await UserRows.RevokeAllRefreshTokensAsync(connection, transaction, reused, now);
                await transaction.CommitAsync();
            }
            throw DomainException.Unauthorized("The refresh token is not valid.");
        }

        var user = await connection.Command($"SELECT {UserRows.Columns} FROM users WHERE id = @id", transaction, ("id", consumed.UserId))
            .FirstOrDefaultAsync(UserRows.Read);
        if (user is null || !await IsAllowedToSignIn(connection, user, now))
        {
            await transaction.RollbackAsync();
            throw DomainException.Unauthorized("The refresh token is not valid.");
        }
        var (next, expiresAt) = await IssueRefreshToken(connection, transaction, user.Id, consumed.Family, ip, now);
        await connection.Command("UPDATE refresh_tokens SET replaced_by_id = (SELECT id FROM refresh_tokens WHERE token_hash = @next) WHERE id = @id",
            transaction, ("next", Secrets.Hash(next)), ("id", consumed.Id)).ExecuteAsync();
        await transaction.CommitAsync();
        return new SignIn(user, next, expiresAt);
    }

    public async Task Logout(Guid userId, string refreshToken)
    {
        await db.Command("UPDATE refresh_tokens SET revoked_at = @now WHERE token_hash = @hash AND user_id = @user AND revoked_at IS NULL",
            ("now", time.GetUtcNow()), ("hash", Secrets.Hash(refreshToken)), ("user", userId)).ExecuteAsync();
    }

    public async Task<UserView> Me(Guid userId) =>
        await db.Command($"SELECT {UserRows.Columns} FROM users WHERE id = @id", ("id", userId)).FirstOrDefaultAsync(UserRows.Read)
        ?? throw DomainException.NotFound("The user");

    public async Task VerifyEmail(string token)
    {
        var now = time.GetUtcNow();
        var hash = Secrets.Hash(token);
        var verified = await db.Command("""
            UPDATE users SET email_verified = true, email_verification_token_hash = NULL, email_verification_expires_at = NULL, updated_at = @now
            WHERE email_verification_token_hash = @hash AND email_verification_expires_at > @now
            """, ("now", now), ("hash", hash)).ExecuteAsync();
        if (verified == 0 && !await TakeOver(hash, now))
            throw DomainException.Invalid("token", "The verification link is not valid or has expired.");
    }

    /// <summary>
    /// A registration's claim on a TEMP or EXPIRED account, confirmed from the address: the account becomes the
    /// registrant's (a verified USER with their password, name and phone, no expiry, no grants), its TEMP sessions end,
    /// and its other claims go. Its shift signups stay: they were the same address's.
    /// </summary>
    private async Task<bool> TakeOver(string tokenHash, DateTimeOffset now)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var claim = await connection.Command("""
            DELETE FROM account_claims WHERE token_hash = @hash AND expires_at > @now
            RETURNING user_id, password_hash, name, phone
            """, transaction, ("hash", tokenHash), ("now", now))
            .FirstOrDefaultAsync(r => (UserId: r.Get<Guid>("user_id"), Password: r.Get<string>("password_hash"), Name: r.Get<string>("name"),
                Phone: r.GetOrNull<string>("phone")));
        if (claim.UserId == Guid.Empty) return false;
        var taken = await connection.Command("""
            UPDATE users SET role = 'USER', status = 'ACTIVE', password_hash = @password, name = @name, phone = @phone, permissions = '{}'::jsonb,
                             expires_at = NULL, expire_days = NULL, email_verified = true, email_verification_token_hash = NULL,
                             email_verification_expires_at = NULL, password_reset_token_hash = NULL, password_reset_expires_at = NULL,
                             updated_at = @now
            WHERE id = @id AND (role = 'TEMP' OR status = 'EXPIRED')
            """, transaction, ("password", claim.Password), ("name", claim.Name), ("phone", claim.Phone), ("now", now), ("id", claim.UserId))
            .ExecuteAsync();
        // The account became someone's real one since the claim was made: the claim is spent, and changes nothing.
        if (taken == 0)
        {
            await transaction.CommitAsync();
            return false;
        }
        await connection.Command("DELETE FROM account_claims WHERE user_id = @id", transaction, ("id", claim.UserId)).ExecuteAsync();
        await UserRows.RevokeAllRefreshTokensAsync(connection, transaction, claim.UserId, now);
        await transaction.CommitAsync();
        return true;
    }

    public async Task ForgotPassword(string email, string publicBaseUrl)
    {
        var now = time.GetUtcNow();
        var token = Secrets.NewToken();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var user = await connection.Command("""
            UPDATE users SET password_reset_token_hash = @hash, password_reset_expires_at = @expires, updated_at = @now
            WHERE email = @email AND status = 'ACTIVE'
            RETURNING email, name
            """, transaction, ("hash", Secrets.Hash(token)), ("expires", now + AuthEmails.ResetLifetime), ("now", now),
                ("email", EmailAddress.Normalize(email)))
            .FirstOrDefaultAsync(r => (Email: r.Get<string>("email"), Name: r.GetOrNull<string>("name")));
        if (user.Email is not null)
            await EmailOutbox.EnqueueAsync(connection, transaction, AuthEmails.PasswordReset(user.Email, user.Name, publicBaseUrl, token));
        await transaction.CommitAsync();
    }

    public async Task ResetPassword(string token, string newPassword)
    {
        PasswordPolicy.Enforce("newPassword", newPassword);
        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var reset = await connection.Command("""
            UPDATE users SET password_hash = @password, password_reset_token_hash = NULL, password_reset_expires_at = NULL, updated_at = @now
            WHERE password_reset_token_hash = @hash AND password_reset_expires_at > @now AND status = 'ACTIVE'
            RETURNING id, email
            """, transaction, ("password", Passwords.Hash(newPassword)), ("now", now), ("hash", Secrets.Hash(token)))
            .FirstOrDefaultAsync(r => (Id: r.Get<Guid>("id"), Email: r.Get<string>("email")));
        var userId = reset.Id;
        if (userId == Guid.Empty) throw DomainException.Invalid("token", "The reset link is not valid or has expired.");
        await UserRows.RevokeAllRefreshTokensAsync(connection, transaction, userId, now);
        await transaction.CommitAsync();
        // The owner proved the address: failed sign-ins against it (someone else's guesses) no longer lock it.
        await GrainFactory.GetGrain<ISignInGuardGrain>(SignInGuardKeys.Account(reset.Email!)).Forget();
    }

    public async Task ChangePassword(Guid userId, string currentPassword, string newPassword)
    {
        PasswordPolicy.Enforce("newPassword", newPassword);
        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync();
        var hash = await connection.Command("SELECT password_hash FROM users WHERE id = @id AND status = 'ACTIVE'", null, ("id", userId))
            .FirstOrDefaultAsync(r => r.Get<string>("password_hash"));
        if (!Passwords.Verify(currentPassword, hash)) throw DomainException.Invalid("currentPassword", "The current password is not correct.");
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.Command("UPDATE users SET password_hash = @password, updated_at = @now WHERE id = @id", transaction,
            ("password", Passwords.Hash(newPassword)), ("now", now), ("id", userId)).ExecuteAsync();
        // Other devices signed in with the old password must sign in again.
        await UserRows.RevokeAllRefreshTokensAsync(connection, transaction, userId, now);
        await transaction.CommitAsync();
    }

    private static async Task<bool> IsAllowedToSignIn(NpgsqlConnection connection, UserView user, DateTimeOffset now)
    {
        if (user.Status != UserStatus.Active) return false;
        if (user.Role == UserRole.Temp && user.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            await connection.Command("UPDATE users SET status = 'EXPIRED', updated_at = @now WHERE id = @id AND status = 'ACTIVE'", null,
                ("now", now), ("id", user.Id)).ExecuteAsync();
            return false;
        }
        return true;
    }

    private async Task<(string Token, DateTimeOffset ExpiresAt)> IssueRefreshToken(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid userId, Guid family, string? ip, DateTimeOffset now)
    {
        var token = Secrets.NewToken();
        var expiresAt = now + _refreshLifetime;
        await connection.Command("""
            INSERT INTO refresh_tokens (id, token_hash, user_id, family_id, expires_at, created_at, created_by_ip)
            VALUES (@id, @hash, @user, @family, @expires, @now, @ip)
            """, transaction, ("id", Ids.New()), ("hash", Secrets.Hash(token)), ("user", userId), ("family", family),
            ("expires", expiresAt), ("now", now), ("ip", ip)).ExecuteAsync();
        return (token, expiresAt);
    }
}
