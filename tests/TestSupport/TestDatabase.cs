using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChangemakerLite.TestSupport;

/// <summary>
/// A fresh database on the run's PostgreSQL server (started by deploy/test.sh, found through
/// TEST_DATABASE_URL), migrated with the real migrator, dropped when disposed.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = Database.CreateDataSource(connectionString);
    }

    public string Name { get; }
    public string ConnectionString { get; }

    /// <summary>A data source with the domain enums mapped, for assertions and for arranging rows.</summary>
    public NpgsqlDataSource DataSource { get; }

    public static string ServerConnectionString
    {
        get
        {
            var url = Environment.GetEnvironmentVariable("TEST_DATABASE_URL");
            if (string.IsNullOrWhiteSpace(url))
                throw new InvalidOperationException("TEST_DATABASE_URL is not set. Run the tests with deploy/test.sh, which starts PostgreSQL.");
            return DatabaseUrl.ToConnectionString(url);
        }
    }

    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var name = $"t_{Guid.NewGuid():N}";
        await using (var server = new NpgsqlConnection(ServerConnectionString))
        {
            await server.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", server);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name };
        if (migrate)
            await new SchemaMigrator(builder.ConnectionString, NullLogger.Instance).MigrateAsync();
        return new TestDatabase(name, builder.ConnectionString);
    }

    /// <summary>The DATABASE_URL setting that points silos and frontends at this database.</summary>
    public string DatabaseUrlSetting => ConnectionString;

    public async Task<T?> ScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var (parameterName, value) in parameters)
            command.Parameters.AddWithValue(parameterName, value ?? DBNull.Value);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)Convert.ChangeType(result, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T));
    }

    public async Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var (parameterName, value) in parameters)
            command.Parameters.AddWithValue(parameterName, value ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var server = new NpgsqlConnection(ServerConnectionString);
        await server.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", server);
        await drop.ExecuteNonQueryAsync();
    }
}
