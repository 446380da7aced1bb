using ChangemakerLite.Grains.Interfaces.Platform;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Platform;

[StatelessWorker]
public sealed class PlatformHealthGrain(NpgsqlDataSource db, ILocalSiloDetails silo) : Grain, IPlatformHealthGrain
{
    public async Task<HealthReport> Check()
    {
        try
        {
            await using var command = db.CreateCommand("SELECT 1");
            command.CommandTimeout = 5;
            await command.ExecuteScalarAsync();
            return new HealthReport(true, silo.SiloAddress.ToString(), null);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return new HealthReport(false, silo.SiloAddress.ToString(), ex.GetType().Name);
        }
    }
}
