using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Auth;

/// <summary>
/// Expires TEMP users once their time is up. A reminder (stored in PostgreSQL) drives it, so the sweep
/// keeps happening across deactivations and restarts; sign-in also refuses an expired TEMP user on its
/// own, so the sweep only has to make the state visible, not enforce it.
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
