using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>Writes and reads enums by their wire names (SUPER_ADMIN, LEVEL_1, gpu_ai), exactly as the database holds them.</summary>
public sealed class WireNameEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
    {
        private static readonly Dictionary<string, TEnum> ByName = Enum.GetValues<TEnum>()
            .ToDictionary(v => EnumWireNames.ToWireName(v), v => v, StringComparer.Ordinal);

        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String && ByName.TryGetValue(reader.GetString()!, out var value))
                return value;
            throw new JsonException($"Expected one of: {string.Join(", ", ByName.Keys)}.");
        }

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WriteStringValue(EnumWireNames.ToWireName(value));
    }
}
