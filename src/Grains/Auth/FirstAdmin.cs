using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Auth;

/// <summary>
/// Creates the first SUPER_ADMIN of a new installation, only while no user exists at all. Without a
/// given password it generates one and shows it once on the operator's terminal (not in the logs).
/// </summary>
public static class FirstAdmin
{
    public static async Task<bool> EnsureAsync(NpgsqlDataSource db, string? email, string? password, TextWriter terminal, ILogger logger)
    {
        email = EmailAddress.Normalize(string.IsNullOrWhiteSpace(email) ? "admin@changemaker.local" : email);
        var generated = string.IsNullOrEmpty(password);
        password = generated ? Secrets.NewReadablePassword() : password!;
        var problems = PasswordPolicy.Problems(password);
        if (problems.Count > 0)
            throw new InvalidOperationException($"ADMIN_PASSWORD {string.Join(" ", problems)}");

        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // Serialises two starting processes so only one can see an empty table and create the admin.
        await connection.Command("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE", transaction).ExecuteAsync();
        if (await connection.Command("SELECT EXISTS (SELECT 1 FROM users)", transaction).ScalarAsync<bool>())
        {
            await transaction.RollbackAsync();
            return false;
        }
        await UserRows.InsertAsync(connection, transaction, new UserRows.NewUser(
            email, Passwords.Hash(password), "Administrator", null, UserRole.SuperAdmin, UserCreatedVia.Admin, EmailVerified: true),
            DateTimeOffset.UtcNow);
        await transaction.CommitAsync();
        logger.LogInformation("Created the first SUPER_ADMIN {Email}", email);
        if (generated)
            await terminal.WriteLineAsync($"""

                ==============================================================
                  First SUPER_ADMIN created (shown only this once):
                    email:    {email}
                    password: {password}
                ==============================================================

                """);
        return true;
    }
}
