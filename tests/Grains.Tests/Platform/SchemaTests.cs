using ChangemakerLite.Grains.Platform;
using ChangemakerLite.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChangemakerLite.Grains.Tests.Platform;

public sealed class SchemaTests : DatabaseTest
{

    private static readonly string[] DomainTables =
    [
        "users", "refresh_tokens", "campaigns", "campaign_emails", "representatives", "custom_recipients",
        "postal_code_cache", "calls", "representative_responses", "response_upvotes", "email_logs",
        "email_verifications", "locations", "addresses", "location_history", "shifts", "shift_signups", "cuts",
        "map_settings", "canvass_sessions", "canvass_visits", "tracking_sessions", "track_points", "email_templates",
        "email_template_variables", "email_template_versions", "email_template_test_logs", "landing_pages",
        "page_blocks", "site_settings", "videos", "compilations", "jobs",
    ];

    [Fact]
    public async Task Every_one_of_the_33_models_has_its_table()
    {
        Assert.Equal(33, DomainTables.Distinct().Count());
        var existing = await TableNames();
        Assert.All(DomainTables, table => Assert.Contains(table, existing));
    }

    [Fact]
    public async Task Orleans_tables_and_every_provider_query_key_exist()
    {
        var existing = await TableNames();
        foreach (var table in new[] { "orleansquery", "orleansmembershipversiontable", "orleansmembershiptable", "orleansreminderstable", "orleansstorage" })
            Assert.Contains(table, existing);
        string[] keys =
        [
            "UpdateIAmAlivetimeKey", "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey",
            "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
            "CleanupDefunctSiloEntriesKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key",
            "ReadRangeRows2Key", "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
            "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
        ];
        foreach (var key in keys)
            Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM orleansquery WHERE querykey = @k", ("k", key)));
    }

    [Fact]
    public async Task Every_foreign_key_column_is_indexed()
    {
        var unindexed = new List<string>();
        await using var command = Db.DataSource.CreateCommand("""
            SELECT c.conrelid::regclass::text || '.' || c.conname
            FROM pg_constraint c
            WHERE c.contype = 'f' AND NOT EXISTS (
              SELECT 1 FROM pg_index i
              WHERE i.indrelid = c.conrelid
                -- A partial index "WHERE fk IS NOT NULL" serves every lookup by the key (a NULL matches no parent).
                AND (i.indpred IS NULL OR (cardinality(c.conkey) = 1 AND pg_get_expr(i.indpred, i.indrelid) =
                     format('(%I IS NOT NULL)', (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[1]))))
                AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] @> c.conkey
                AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] <@ c.conkey)
            """);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) unindexed.Add(reader.GetString(0));
        Assert.Empty(unindexed);
    }

    [Fact]
    public async Task Migrating_again_applies_nothing_and_changes_nothing()
    {
        var before = await SchemaFingerprint();
        var applied = await new SchemaMigrator(Db.ConnectionString, NullLogger.Instance).MigrateAsync();
        Assert.Empty(applied);
        Assert.Equal(before, await SchemaFingerprint());
        Assert.Equal(SchemaMigrator.EmbeddedMigrations().Count, await Db.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Two_silos_migrating_a_fresh_database_at_once_apply_each_migration_once()
    {
        await using var fresh = await TestDatabase.CreateAsync(migrate: false);
        var first = new SchemaMigrator(fresh.ConnectionString, NullLogger.Instance).MigrateAsync();
        var second = new SchemaMigrator(fresh.ConnectionString, NullLogger.Instance).MigrateAsync();
        var results = await Task.WhenAll(first, second);

        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(SchemaMigrator.EmbeddedMigrations().Select(m => m.Version).Order(), all.Order());
        Assert.Equal(all.Count, await fresh.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
    }

    private async Task<HashSet<string>> TableNames()
    {
        var names = new HashSet<string>();
        await using var command = Db.DataSource.CreateCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }

    private async Task<string> SchemaFingerprint()
    {
        await using var command = Db.DataSource.CreateCommand("""
            SELECT string_agg(x, '|' ORDER BY x) FROM (
              SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':' || coalesce(column_default, '') AS x
              FROM information_schema.columns WHERE table_schema = 'public'
              UNION ALL SELECT indexname || ':' || indexdef FROM pg_indexes WHERE schemaname = 'public'
              UNION ALL SELECT conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
              UNION ALL SELECT querykey || ':' || md5(querytext) FROM orleansquery
            ) parts
            """);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
