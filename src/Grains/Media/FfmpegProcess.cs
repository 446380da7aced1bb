using System.Diagnostics;
using System.Globalization;

namespace ChangemakerLite.Grains.Media;

/// <summary>
/// Runs one ffmpeg process with <c>-progress pipe:1</c>: ffmpeg writes <c>key=value</c> blocks ending in
/// <c>progress=continue|end</c>, whose <c>out_time_us</c> is how far into the output it has come. Cancelling the
/// token kills the process (and anything it started). stderr's last lines explain a failure.
/// </summary>
public static class FfmpegProcess
{
    public sealed class FfmpegFailedException(string message) : Exception(message);

    public static async Task RunAsync(string executable, IReadOnlyList<string> arguments, Action<TimeSpan> onProgress,
        Action<string> log, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["-hide_banner", "-nostdin", "-nostats", "-y", "-progress", "pipe:1", "-loglevel", "error"]) start.ArgumentList.Add(a);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        log("ffmpeg " + string.Join(' ', start.ArgumentList.Skip(8)));

        using var process = Process.Start(start) ?? throw new FfmpegFailedException("ffmpeg did not start.");
        var errors = new Queue<string>();
        var stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None) is { } line)
                lock (errors)
                {
                    errors.Enqueue(line);
                    if (errors.Count > 20) errors.Dequeue();
                }
        }, CancellationToken.None);
        await using var kill = cancellationToken.Register(() =>
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        });
        while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
        {
            if (line.StartsWith("out_time_us=", StringComparison.Ordinal) &&
                long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros) && micros >= 0)
                onProgress(TimeSpan.FromTicks(micros * 10));
        }
        await process.WaitForExitAsync(CancellationToken.None);
        await stderr;
        cancellationToken.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            string detail;
            lock (errors) detail = string.Join(" | ", errors);
            throw new FfmpegFailedException($"ffmpeg exited with code {process.ExitCode}: {(detail.Length > 0 ? detail : "no message")}");
        }
    }
}
