using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Auth;

/// <summary>
/// Reading and creating user rows, shared by every flow that makes accounts (registration, admin
/// creation, public shift signup's TEMP users, the first admin).
/// </summary>
public static class UserRows
{
    public const string Columns = """
        id, email, name, phone, role, status, permissions::text AS permissions, created_via, expires_at, expire_days,
        last_login_at, email_verified, created_at, updated_at
        """;

    public static UserView Read(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"),
        r.Get<string>("email"),
        r.GetOrNull<string>("name"),
        r.GetOrNull<string>("phone"),
        r.Get<UserRole>("role"),
        r.Get<UserStatus>("status"),
        r.Get<string>("permissions"),
        r.Get<UserCreatedVia>("created_via"),
        r.GetValueOrNull<DateTimeOffset>("expires_at"),
        r.GetValueOrNull<int>("expire_days"),
        r.GetValueOrNull<DateTimeOffset>("last_login_at"),
        r.Get<bool>("email_verified"),
        r.Get<DateTimeOffset>("created_at"),
        r.Get<DateTimeOffset>("updated_at"));

    public sealed record NewUser(
        string Email,
        string PasswordHash,
        string? Name,
        string? Phone,
        UserRole Role,
        UserCreatedVia CreatedVia,
        string Permissions = "{}",
        DateTimeOffset? ExpiresAt = null,
        int? ExpireDays = null,
        bool EmailVerified = false,
        Guid? CreatedBy = null,
        string? VerificationTokenHash = null,
        DateTimeOffset? VerificationExpiresAt = null);

    /// <summary>Inserts the user; a taken email is a 409 and writes nothing.</summary>
    /// <summary>The users of these ids that exist.</summary>
    public static Task<List<UserView>> ByIdsAsync(NpgsqlDataSource db, Guid[] ids) =>
        db.Command($"SELECT {Columns} FROM users WHERE id = ANY(@ids)", ("ids", ids)).ListAsync(Read);

    public static async Task<UserView> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, NewUser user,
        DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await connection.Command($"""
                INSERT INTO users (id, email, password_hash, name, phone, role, status, permissions, created_via, expires_at, expire_days,
                                   email_verified, created_by_user_id, email_verification_token_hash, email_verification_expires_at,
                                   created_at, updated_at)
                VALUES (@id, @email, @hash, @name, @phone, @role, 'ACTIVE', @permissions::jsonb, @via, @expiresAt, @expireDays,
                        @verified, @createdBy, @verifyHash, @verifyExpires, @now, @now)
                RETURNING {Columns}
                """, transaction,
                ("id", Ids.New()), ("email", user.Email), ("hash", user.PasswordHash), ("name", user.Name), ("phone", user.Phone),
                ("role", user.Role), ("permissions", user.Permissions), ("via", user.CreatedVia), ("expiresAt", user.ExpiresAt?.ToUniversalTime()),
                ("expireDays", user.ExpireDays), ("verified", user.EmailVerified), ("createdBy", user.CreatedBy),
                ("verifyHash", user.VerificationTokenHash), ("verifyExpires", user.VerificationExpiresAt), ("now", now))
                .FirstOrDefaultAsync(Read, cancellationToken))!;
        }
        catch (PostgresException ex) when (ex.IsUniqueViolation("users_email_key"))
        {
            throw DomainException.Conflict("An account with this email already exists.");
        }
    }

    /// <summary>Revokes every live refresh token of a user (password reset, deactivation, token reuse).</summary>
    public static Task<int> RevokeAllRefreshTokensAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId,
        DateTimeOffset now, CancellationToken cancellationToken = default) =>
        connection.Command("UPDATE refresh_tokens SET revoked_at = @now WHERE user_id = @user AND revoked_at IS NULL",
            transaction, ("now", now), ("user", userId)).ExecuteAsync(cancellationToken);
}
