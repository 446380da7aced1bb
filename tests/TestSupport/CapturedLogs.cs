using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.TestSupport;

/// <summary>Keeps every log line that silos and frontends of a test cluster write, so tests can check what logs reveal.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} {category}: {formatter(state, exception)}";
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                line += " " + string.Join(" ", values.Select(v => $"{v.Key}={v.Value}"));
            if (exception is not null) line += " " + exception;
            lines.Enqueue(line);
        }
    }
}
