using System.Globalization;

namespace ChangemakerLite.TestSupport;

/// <summary>
/// What the benchmarks under bench/ measure with: CPU time read from Linux's /proc, which does not depend on how busy
/// the shared machine is the way wall-clock rates do, and percentiles of latencies.
/// </summary>
public static class Measure
{
    /// <summary>CPU time (user and system) a process has used so far; zero once it has ended, or off Linux.</summary>
    public static TimeSpan ProcessCpu(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name in parentheses may hold spaces: fields are counted after its closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (IOException) { return TimeSpan.Zero; }
        catch (UnauthorizedAccessException) { return TimeSpan.Zero; }
    }

    /// <summary>
    /// The CPU time of each PostgreSQL backend on this machine serving one database (its command line names it), by
    /// process id. Empty when the server runs elsewhere. The server may be shared with other work: other databases'
    /// backends do not count.
    /// </summary>
    public static IReadOnlyDictionary<int, TimeSpan> PostgresBackends(string database)
    {
        var backends = new Dictionary<int, TimeSpan>();
        if (!Directory.Exists("/proc")) return backends;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (!cmdline.StartsWith("postgres:", StringComparison.Ordinal) || !cmdline.Contains($" {database} ", StringComparison.Ordinal)) continue;
            }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            backends[pid] = ProcessCpu(pid);
        }
        return backends;
    }

    /// <summary>
    /// The CPU the backends used between two samples of <see cref="PostgresBackends"/>. A backend that started in between
    /// counts whole; one that ended in between is lost, so a measured run keeps its connections pooled.
    /// </summary>
    public static TimeSpan Between(IReadOnlyDictionary<int, TimeSpan> before, IReadOnlyDictionary<int, TimeSpan> after) =>
        after.Aggregate(TimeSpan.Zero, (sum, backend) => sum + backend.Value - before.GetValueOrDefault(backend.Key));

    /// <summary>The nearest-rank percentile (<paramref name="percent"/> from 0 to 100) of the values; NaN when there are none.</summary>
    public static double Percentile(IEnumerable<double> values, double percent)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
