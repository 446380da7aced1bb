using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>
/// The log of a silo and of a frontend, set once at start from two settings:
/// <list type="bullet">
/// <item><c>LOG_LEVEL</c> (<c>Information</c>): the least severe entry written. At <c>Information</c> the log holds
/// lifecycle (started, listening, migrations, silo joined/left), the application's own notable events, and every
/// warning and error; the per-request chatter of the frameworks (ASP.NET Core's request lines, Orleans' internals,
/// Polly's "Execution attempt" per grain placement, HttpClient's request lines) is held at <c>Warning</c>.
/// <c>Debug</c> or <c>Trace</c> lowers every category, the frameworks included.</item>
/// <item><c>LOG_FORMAT</c> (<c>text</c>): <c>text</c> writes one line per entry for a person
/// (<c>2026-12-04T22:03:17.123Z info: Category[0] message</c>); <c>json</c> writes one JSON object per line for a
/// log collector.</item>
/// </list>
/// <c>Logging:LogLevel:&lt;Category&gt;</c> (appsettings.json, or <c>Logging__LogLevel__Orleans=Debug</c> in the
/// environment) still sets one category. Whatever the level, every entry passes <see cref="LogRedaction"/> first,
/// so tokens, passwords and signed links in URLs never reach a provider.
/// </summary>
public static class ServerLogging
{
    public const string LevelSetting = "LOG_LEVEL";
    public const string FormatSetting = "LOG_FORMAT";

    /// <summary>Categories that speak per request or per message; held at Warning unless LOG_LEVEL asks for detail.</summary>
    private static readonly string[] Chatty = ["Microsoft", "System.Net.Http", "Orleans", "Polly", "Npgsql", "OpenTelemetry"];

    /// <summary>Categories that tell about lifecycle only: kept at Information when the rest is.</summary>
    private static readonly string[] Lifecycle = ["Microsoft.Hosting.Lifetime", "Orleans.Runtime.Silo", "Orleans.Hosting.SiloHostedService"];

    public static void Configure(ILoggingBuilder logging, IConfiguration configuration)
    {
        var level = LevelOf(configuration[LevelSetting]);
        var format = (configuration[FormatSetting] ?? "text").Trim().ToLowerInvariant();
        if (format is not ("text" or "json"))
            throw new InvalidOperationException($"{FormatSetting} must be 'text' or 'json', not '{configuration[FormatSetting]}'.");

        logging.ClearProviders();
        if (format == "json")
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "O";
                o.UseUtcTimestamp = true;
            });
        else
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = false;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });

        // The defaults go first in the rule list: a rule from configuration for the same category comes later and wins.
        logging.Services.Configure<LoggerFilterOptions>(o =>
        {
            var defaults = new List<LoggerFilterRule> { new(null, null, level, null) };
            if (level >= LogLevel.Information)
            {
                var quiet = level > LogLevel.Warning ? level : LogLevel.Warning;
                defaults.AddRange(Chatty.Select(c => new LoggerFilterRule(null, c, quiet, null)));
                defaults.AddRange(Lifecycle.Select(c => new LoggerFilterRule(null, c, level, null)));
            }
            for (var i = 0; i < defaults.Count; i++) o.Rules.Insert(i, defaults[i]);
        });

        logging.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new RedactingLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(),
            sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(),
            sp.GetService<IExternalScopeProvider>()))));
    }

    public static LogLevel LevelOf(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting)) return LogLevel.Information;
        return setting.Trim().ToLowerInvariant() switch
        {
            "trace" or "verbose" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "information" or "info" => LogLevel.Information,
            "warning" or "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "critical" => LogLevel.Critical,
            "none" => LogLevel.None,
            _ => throw new InvalidOperationException(
                $"{LevelSetting} must be one of Trace, Debug, Information, Warning, Error, Critical, None; not '{setting}'."),
        };
    }
}

/// <summary>Hands out loggers that redact every entry (<see cref="LogRedaction"/>) before any provider sees it.</summary>
public sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            var redactedMessage = LogRedaction.Redact(message);
            var changed = !ReferenceEquals(message, redactedMessage);
            List<KeyValuePair<string, object?>>? values = null;
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                values = [];
                foreach (var (key, value) in pairs)
                {
                    var kept = RedactValue(value);
                    changed |= !ReferenceEquals(kept, value);
                    values.Add(new(key, kept));
                }
            }
            if (!changed)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }
            inner.Log(logLevel, eventId, new RedactedState(redactedMessage, values ?? []), exception, static (s, _) => s.Message);
        }

        /// <summary>The value itself when it carries nothing to hide (numbers keep their type), else its redacted text.</summary>
        private static object? RedactValue(object? value)
        {
            switch (value)
            {
                case null or bool or byte or short or int or long or float or double or decimal or Guid or DateTime or DateTimeOffset or TimeSpan or Enum:
                    return value;
                case string text:
                    var redacted = LogRedaction.Redact(text);
                    return ReferenceEquals(redacted, text) ? value : redacted;
                default:
                    var shown = value.ToString();
                    if (shown is null) return value;
                    var hidden = LogRedaction.Redact(shown);
                    return ReferenceEquals(hidden, shown) ? value : hidden;
            }
        }
    }

    /// <summary>An entry whose message or values were redacted: the structured values stay, as text where hidden.</summary>
    private sealed class RedactedState(string message, List<KeyValuePair<string, object?>> values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message { get; } = message;
        public KeyValuePair<string, object?> this[int index] => values[index];
        public int Count => values.Count;
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => Message;
    }
}
