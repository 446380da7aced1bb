using System.Collections.Concurrent;
using System.Diagnostics;

namespace ChangemakerLite.Cluster.Tests.Operations;

/// <summary>
/// One node (silo or frontend) as its own OS process, started through <c>deploy/node.sh</c> (the image's entrypoint),
/// optionally inside a network namespace with <c>ip netns exec</c>. <c>node.sh</c> and <c>ip netns exec</c> both exec,
/// so the process id is the dotnet process itself and <see cref="Kill"/> is a real SIGKILL.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _tail = new();

    private NodeProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the node wrote, for a failing test's message.</summary>
    public string Tail => string.Join('\n', _tail);

    public static NodeProcess Start(string name, string role, IReadOnlyDictionary<string, string?> environment, string? netns = null)
    {
        var start = new ProcessStartInfo
        {
            FileName = netns is null ? "bash" : "ip",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (netns is not null) foreach (var arg in new[] { "netns", "exec", netns, "bash" }) start.ArgumentList.Add(arg);
        start.ArgumentList.Add(Path.Combine(RepoRoot, "deploy", "node.sh"));
        start.ArgumentList.Add(role);
        foreach (var (key, value) in environment)
            if (value is null) start.Environment.Remove(key); else start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        var node = new NodeProcess(name, process);
        process.OutputDataReceived += (_, e) => node.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => node.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _tail.Enqueue(line.Length > 3000 ? line[..3000] : line);
        while (_tail.Count > 40) _tail.TryDequeue(out _);
    }

    /// <summary>SIGKILL: the node gets no chance to leave the cluster or finish anything.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: false);
    }

    /// <summary>SIGTERM, then waits for the node to leave as a graceful shutdown does.</summary>
    public async Task StopAsync(TimeSpan? within = null)
    {
        if (_process.HasExited) return;
        Process.Start("kill", ["-TERM", _process.Id.ToString()])?.WaitForExit();
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
        try { await _process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { Kill(); }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try { await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); } catch (TimeoutException) { }
        _process.Dispose();
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ChangemakerLite.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (ChangemakerLite.sln) was not found above the test binaries.");
    }
}
