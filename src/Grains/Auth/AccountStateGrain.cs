using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Platform;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Auth;

/// <summary>One indexed read of many users' role, status and permissions; any silo may answer.</summary>
[StatelessWorker]
public sealed class AccountStateGrain(NpgsqlDataSource db) : Grain, IAccountStateGrain
{
    public async Task<IReadOnlyList<AccountState>> Get(Guid[] userIds)
    {
        if (userIds.Length == 0) return [];
        return await db.Command("""
            SELECT id, role, status, permissions::text AS permissions, expires_at FROM users WHERE id = ANY(@ids)
            """, ("ids", userIds)).ListAsync(r => new AccountState(
            r.Get<Guid>("id"), r.Get<UserRole>("role"), r.Get<UserStatus>("status"), r.Get<string>("permissions"),
            r.GetValueOrNull<DateTimeOffset>("expires_at")));
    }
}
