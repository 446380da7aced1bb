using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Platform;

/// <summary>
/// Applies the versioned SQL files of deploy/sql/migrations (embedded in this assembly) in order.
/// Every silo runs it at start, so it takes a PostgreSQL advisory lock: when two silos start together
/// one migrates and the other waits, then finds nothing left to do. Each file runs in its own
/// transaction together with the row that records it, so a failed file leaves no trace.
/// </summary>
public sealed class SchemaMigrator(string connectionString, ILogger logger)
{
    // Arbitrary but fixed: every process of every version must contend for the same lock.
    private const long AdvisoryLockKey = 0x434d4c5f4d494752; // "CML_MIGR"

    public sealed record Migration(int Version, string Name, string Sql, string Checksum);

    public static IReadOnlyList<Migration> EmbeddedMigrations()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("migrations/", StringComparison.Ordinal)))
        {
            var fileName = resource["migrations/".Length..];
            var separator = fileName.IndexOf('_');
            if (separator <= 0 || !int.TryParse(fileName[..separator], out var version))
                throw new InvalidOperationException($"Migration file '{fileName}' must be named NNNN_description.sql.");
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var sql = reader.ReadToEnd();
            var checksum = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
            migrations.Add(new Migration(version, Path.GetFileNameWithoutExtension(fileName), sql, checksum));
        }
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two migrations share version {duplicate.Key}.");
        return migrations.OrderBy(m => m.Version).ToList();
    }

    /// <summary>Applies what is missing; returns the versions it applied (empty when the schema was current).</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var applied = new List<int>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            lockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
            lockCommand.CommandTimeout = 0;
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            await using (var create = new NpgsqlCommand("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, connection))
                await create.ExecuteNonQueryAsync(cancellationToken);

            var known = new Dictionary<int, string>();
            await using (var select = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken))
                    known[reader.GetInt32(0)] = reader.GetString(1);

            foreach (var migration in EmbeddedMigrations())
            {
                if (known.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                        // An applied migration was edited: the database no longer matches the files, which must be fixed by a new migration.
                        throw new InvalidOperationException($"Migration {migration.Name} was changed after it was applied.");
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var command = new NpgsqlCommand(migration.Sql, connection, transaction) { CommandTimeout = 0 })
                    await command.ExecuteNonQueryAsync(cancellationToken);
                await using (var record = new NpgsqlCommand(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (@version, @name, @checksum)", connection, transaction))
                {
                    record.Parameters.AddWithValue("version", migration.Version);
                    record.Parameters.AddWithValue("name", migration.Name);
                    record.Parameters.AddWithValue("checksum", migration.Checksum);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                applied.Add(migration.Version);
                logger.LogInformation("Applied migration {Migration}", migration.Name);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        // Enum types created by a migration are unknown to data sources opened before it ran.
        if (applied.Count > 0) NpgsqlConnection.ClearAllPools();
        return applied;
    }
}
