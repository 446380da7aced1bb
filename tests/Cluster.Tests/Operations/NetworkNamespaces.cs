using System.Diagnostics;

namespace ChangemakerLite.Cluster.Tests.Operations;

/// <summary>
/// Separate "hosts" on one machine: network namespaces made by the test, each with only its loopback and one veth
/// link to a bridge in the test's own namespace. Host i gets 10.X.Y.(10+i); the bridge is 10.X.Y.1, where the test
/// forwards PostgreSQL. Nothing else is reachable from inside. Everything is removed on dispose.
/// </summary>
public sealed class NetworkNamespaces : IAsyncDisposable
{
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _namespaces = [];
    private readonly int _subnet = Random.Shared.Next(1, 250);

    public string Bridge => $"cmlbr{_tag}";
    public string BridgeAddress => $"10.213.{_subnet}.1";
    public string AddressOf(int host) => $"10.213.{_subnet}.{10 + host}";
    public string NamespaceOf(int host) => $"cml{_tag}h{host}";

    public static bool Available()
    {
        try { return Run("ip", "netns", "list").ExitCode == 0; }
        catch (Exception) { return false; }
    }

    public static async Task<NetworkNamespaces> CreateAsync(int hosts)
    {
        var network = new NetworkNamespaces();
        try
        {
            Must("ip", "link", "add", network.Bridge, "type", "bridge");
            Must("ip", "addr", "add", $"{network.BridgeAddress}/24", "dev", network.Bridge);
            Must("ip", "link", "set", network.Bridge, "up");
            for (var host = 0; host < hosts; host++)
            {
                var ns = network.NamespaceOf(host);
                var outside = $"cv{network._tag}{host}o";
                var inside = $"cv{network._tag}{host}i";
                Must("ip", "netns", "add", ns);
                network._namespaces.Add(ns);
                Must("ip", "link", "add", outside, "type", "veth", "peer", "name", inside);
                Must("ip", "link", "set", outside, "master", network.Bridge);
                Must("ip", "link", "set", outside, "up");
                Must("ip", "link", "set", inside, "netns", ns);
                Must("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
                Must("ip", "netns", "exec", ns, "ip", "addr", "add", $"{network.AddressOf(host)}/24", "dev", inside);
                Must("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up");
            }
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
        return network;
    }

    public ValueTask DisposeAsync()
    {
        // Deleting a namespace deletes the veth end inside it, and with it its peer on the bridge.
        foreach (var ns in _namespaces) Run("ip", "netns", "del", ns);
        Run("ip", "link", "del", Bridge);
        return ValueTask.CompletedTask;
    }

    private static void Must(params string[] args)
    {
        var result = Run(args);
        if (result.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', args)} failed ({result.ExitCode}): {result.Output}");
    }

    private static (int ExitCode, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args.Skip(1)) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
