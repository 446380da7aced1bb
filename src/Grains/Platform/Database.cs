using System.Reflection;
using ChangemakerLite.Grains.Interfaces.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Platform;

/// <summary>Builds the one Npgsql data source a process uses, with every domain enum mapped to its PostgreSQL type.</summary>
public static class Database
{
    /// <summary>
    /// The key of the second data source a silo registers, for work that changes its session (temporary tables, SET,
    /// session advisory locks: the map jobs). Its connections are reset when they go back to the pool, so nothing of
    /// a job's session (synchronous_commit off, above all) ever reaches a signup that reuses the connection.
    /// </summary>
    public const string SessionStateKey = "session-state";

    public static NpgsqlDataSource CreateDataSource(string connectionString, bool resetSessionsOnClose = false)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        // The hot statements (a signup round, a visit, a trail batch) are the same few texts run thousands of times:
        // prepared once per pooled connection they skip the server's parse and plan, a third of its CPU per write.
        // A connection string that sets it (Max Auto Prepare=0 behind a transaction-mode pooler) keeps its own value.
        if (!Sets(connectionString, "MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        // Past a few dozen busy backends a database server spends its cores switching between them: measured with
        // a thousand canvassers, 30 connections per silo carried a quarter more than the default 100. Callers beyond
        // that wait for a free connection, which is cheaper than one more backend competing for the cores.
        if (!Sets(connectionString, "MaxPoolSize", "MaximumPoolSize"))
            builder.ConnectionStringBuilder.MaxPoolSize = 30;
        // While the database restarts or fails over, a request should fail fast (a 503 the client repeats) rather than
        // wait the default 15 s for a connection; the same bound applies to waiting for a free pooled connection.
        if (!Sets(connectionString, "Timeout"))
            builder.ConnectionStringBuilder.Timeout = 5;
        // Returning a connection to the pool otherwise costs the server seven reset statements at its next use (the
        // parts of DISCARD ALL that keep prepared statements). The default data source's users leave no session state
        // behind (no SET, no temporary table, no LISTEN, no advisory lock); those that do use the SessionStateKey one.
        if (!resetSessionsOnClose && !Sets(connectionString, "NoResetOnClose"))
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        var mapEnum = typeof(NpgsqlDataSourceBuilder).GetMethods()
            .Single(m => m.Name == nameof(NpgsqlDataSourceBuilder.MapEnum) && m.IsGenericMethodDefinition &&
                         m.GetParameters().Length == 2);
        foreach (var (enumType, pgTypeName) in EnumWireNames.DatabaseEnums)
        {
            var translator = new WireNameTranslator(EnumWireNames.UsesLowerCase(enumType));
            mapEnum.MakeGenericMethod(enumType).Invoke(builder, [pgTypeName, translator]);
        }
        return builder.Build();
    }

    /// <summary>Whether the operator's connection string sets the option itself (under any of its spellings).</summary>
    private static bool Sets(string connectionString, params string[] optionNames)
    {
        var keys = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys;
        return keys.Cast<string>().Any(k => optionNames.Any(n => k.Replace(" ", "").Equals(n, StringComparison.OrdinalIgnoreCase)));
    }

    private sealed class WireNameTranslator(bool lowerCase) : INpgsqlNameTranslator
    {
        public string TranslateTypeName(string clrName) => EnumWireNames.ToWireName(clrName, lowerCase: true);
        public string TranslateMemberName(string clrName) => EnumWireNames.ToWireName(clrName, lowerCase);
    }
}
