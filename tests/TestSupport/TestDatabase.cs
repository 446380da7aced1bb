using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging.Abstractions;
using System.Security.Cryptography;
using System.Text;
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

    /// <summary>
    /// A new database; migrated unless <paramref name="migrate"/> is false. A migrated one is a copy of the server's
    /// migrated template (<see cref="MigratedTemplateAsync"/>), a fraction of a second instead of applying every
    /// migration to each of the run's hundred-odd databases.
    /// </summary>
    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var name = $"t_{Guid.NewGuid():N}";
        var template = migrate ? await MigratedTemplateAsync() : null;
        await using (var server = new NpgsqlConnection(ServerConnectionString))
        {
            await server.OpenAsync();
            await using var create = new NpgsqlCommand(
                template is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", server);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name };
        return new TestDatabase(name, builder.ConnectionString);
    }

    private static readonly SemaphoreSlim TemplateGate = new(1, 1);
    private static string? _template;

    /// <summary>
    /// The name of a database on the server holding the schema of this build's migrations, made once: named after
    /// the migrations' checksums (a server shared by builds with other migrations keeps one per set), built under a
    /// temporary name and renamed only once complete, under an advisory lock so processes sharing the server make it
    /// once. Nothing stays connected to it, as a template requires.
    /// </summary>
    private static async Task<string> MigratedTemplateAsync()
    {
        if (Volatile.Read(ref _template) is { } known) return known;
        await TemplateGate.WaitAsync();
        try
        {
            if (_template is not null) return _template;
            var checksums = string.Join(",", SchemaMigrator.EmbeddedMigrations().Select(m => m.Checksum));
            var name = $"cml_template_{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(checksums)))[..16].ToLowerInvariant()}";
            await using var server = new NpgsqlConnection(ServerConnectionString);
            await server.OpenAsync();
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext(@name))", server))
            {
                command.Parameters.AddWithValue("name", name);
                command.CommandTimeout = 0;
                await command.ExecuteNonQueryAsync();
            }
            try
            {
                await using (var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", server))
                {
                    exists.Parameters.AddWithValue("name", name);
                    if ((long)(await exists.ExecuteScalarAsync())! == 0)
                    {
                        var building = $"{name}_{Guid.NewGuid():N}"; // 62 characters: PostgreSQL keeps 63
                        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{building}\"", server))
                            await create.ExecuteNonQueryAsync();
                        // Unpooled, so no connection to it outlives the migration.
                        var target = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = building, Pooling = false };
                        await new SchemaMigrator(target.ConnectionString, NullLogger.Instance).MigrateAsync();
                        await using var rename = new NpgsqlCommand($"ALTER DATABASE \"{building}\" RENAME TO \"{name}\"", server);
                        await rename.ExecuteNonQueryAsync();
                    }
                }
            }
            finally
            {
                await using (var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext(@name))", server))
                {
                    unlock.Parameters.AddWithValue("name", name);
                    await unlock.ExecuteNonQueryAsync();
                }
            }
            Volatile.Write(ref _template, name);
            return name;
        }
        finally
        {
            TemplateGate.Release();
        }
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
