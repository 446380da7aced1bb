using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Auth;

/// <summary>
/// The TEMP accounts of people signed up by email (the public shift page, or an admin adding someone): Auth's rule of
/// who gets an account and for how long, run inside the caller's transaction so the account and the signup commit
/// together. A TEMP account lives until <c>expiresAt</c>, after which the sweep marks it EXPIRED.
/// </summary>
public static class TempVolunteers
{
    /// <summary>The account the signup belongs to, and whether it was made now (its password then goes out by email).</summary>
    public sealed record Account(UserView User, bool Created);

    /// <summary>
    /// The account of <paramref name="email"/>, locked for the transaction: a new TEMP account when there is none; a
    /// TEMP account kept (and revived if expired) until at least <paramref name="expiresAt"/>; any other account as it
    /// is. Someone making an account with this email since the read is a <see cref="Interfaces.Platform.DomainException"/>
    /// conflict, and nothing is written.
    /// </summary>
    public static async Task<Account> FindOrCreateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string email, string name,
        string? phone, string passwordHash, UserCreatedVia createdVia, Guid? createdBy, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        var user = await connection.Command($"SELECT {UserRows.Columns} FROM users WHERE email = @email FOR UPDATE", transaction, ("email", email))
            .FirstOrDefaultAsync(UserRows.Read);
        if (user is null)
        {
            user = await UserRows.InsertAsync(connection, transaction, new UserRows.NewUser(
                email, passwordHash, name, phone, UserRole.Temp, createdVia,
                ExpiresAt: expiresAt, ExpireDays: Math.Max(1, (int)Math.Ceiling((expiresAt - now).TotalDays)),
                CreatedBy: createdBy), now);
            return new Account(user, Created: true);
        }
        if (user.Role == UserRole.Temp)
        {
            // A TEMP volunteer signing up again keeps their account until after the later shift; a real account is never touched.
            await connection.Command("""
                UPDATE users SET expires_at = GREATEST(COALESCE(expires_at, @expires), @expires),
                                 status = CASE WHEN status = 'EXPIRED' THEN 'ACTIVE'::user_status ELSE status END,
                                 updated_at = @now
                WHERE id = @id
                """, transaction, ("expires", expiresAt), ("now", now), ("id", user.Id)).ExecuteAsync();
        }
        return new Account(user, Created: false);
    }
}
