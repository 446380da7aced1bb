using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Auth;

/// <summary>
/// Expires TEMP users once their time is up, and purges them <c>TEMP_PURGE_DAYS</c> after that. A reminder (stored in
/// PostgreSQL) drives it, so the sweep keeps happening across deactivations and restarts; sign-in also refuses an
/// expired TEMP user on its own, so the sweep only has to make the state visible, not enforce it.
///
/// Purging keeps the history without the person: their shift signups stay (counts, who-came-when) with the email,
/// name and phone blanked; a volunteer who canvassed keeps an anonymous account row, since their sessions and visits
/// hang on it; any other is deleted. Either way the address is free for its owner again.
/// </summary>
public sealed class TempUserSweepGrain(NpgsqlDataSource db, TimeProvider time, IConfiguration configuration, ILogger<TempUserSweepGrain> logger)
    : Grain, ITempUserSweepGrain, IRemindable
{
    private const string ReminderName = "temp-user-sweep";

    public async Task Ensure()
    {
        var period = TimeSpan.FromSeconds(configuration.GetValue("TEMP_SWEEP_SECONDS", 300.0));
        await this.RegisterOrUpdateReminder(ReminderName, period, period);
    }

    public async Task<int> SweepNow()
    {
        var expired = await ExpireAsync();
        await PurgeAsync();
        return expired;
    }

    /// <summary>TEMP users EXPIRED for longer than <c>TEMP_PURGE_DAYS</c>, anonymised or deleted; how many.</summary>
    private async Task<int> PurgeAsync()
    {
        var now = time.GetUtcNow();
        var cutoff = now - TimeSpan.FromDays(configuration.GetValue("TEMP_PURGE_DAYS", 30.0));
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var ids = await connection.Command("""
            SELECT id FROM users WHERE role = 'TEMP' AND status = 'EXPIRED' AND expires_at <= @cutoff
            ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED
            """, transaction, ("cutoff", cutoff)).ListAsync(r => r.Get<Guid>("id"));
        if (ids.Count == 0) return 0;
        var gone = ids.ToArray();
        await connection.Command("""
            UPDATE shift_signups SET user_email = 'purged-' || id || '@invalid', user_name = NULL, user_phone = NULL
            WHERE user_id = ANY(@ids)
            """, transaction, ("ids", gone)).ExecuteAsync();
        await connection.Command("""
            UPDATE users SET email = 'purged-' || id || '@invalid', name = NULL, phone = NULL, password_hash = '!',
                             email_verification_token_hash = NULL, password_reset_token_hash = NULL, updated_at = @now
            WHERE id = ANY(@ids) AND EXISTS (SELECT 1 FROM canvass_sessions s WHERE s.user_id = users.id)
            """, transaction, ("ids", gone), ("now", now)).ExecuteAsync();
        await connection.Command("""
            DELETE FROM users WHERE id = ANY(@ids) AND NOT EXISTS (SELECT 1 FROM canvass_sessions s WHERE s.user_id = users.id)
            """, transaction, ("ids", gone)).ExecuteAsync();
        await transaction.CommitAsync();
        logger.LogInformation("Purged {Count} TEMP users expired before {Cutoff:u}", ids.Count, cutoff);
        return ids.Count;
    }

    private async Task<int> ExpireAsync()
    {
        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var expired = await connection.Command("""
            UPDATE users SET status = 'EXPIRED', updated_at = @now
            WHERE role = 'TEMP' AND status = 'ACTIVE' AND expires_at <= @now
            RETURNING id
            """, transaction, ("now", now)).ListAsync(r => r.Get<Guid>("id"));
        if (expired.Count > 0)
            await connection.Command("UPDATE refresh_tokens SET revoked_at = @now WHERE user_id = ANY(@ids) AND revoked_at IS NULL",
                transaction, ("now", now), ("ids", expired.ToArray())).ExecuteAsync();
        await transaction.CommitAsync();
        if (expired.Count > 0) logger.LogInformation("Expired {Count} TEMP users", expired.Count);
        return expired.Count;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => SweepNow();
}
