using System.Reflection;
using ChangemakerLite.Grains.Interfaces.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Platform;

/// <summary>Builds the one Npgsql data source a process uses, with every domain enum mapped to its PostgreSQL type.</summary>
public static class Database
{
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
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

    private sealed class WireNameTranslator(bool lowerCase) : INpgsqlNameTranslator
    {
        public string TranslateTypeName(string clrName) => EnumWireNames.ToWireName(clrName, lowerCase: true);
        public string TranslateMemberName(string clrName) => EnumWireNames.ToWireName(clrName, lowerCase);
    }
}
