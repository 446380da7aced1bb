using System.Net;
using System.Net.Sockets;

namespace ChangemakerLite.TestSupport;

public static class Ports
{
    private static readonly HashSet<int> HandedOut = [];
    private static readonly Random Random = new();

    /// <summary>
    /// A port to listen on, taken below the kernel's ephemeral range: a port the kernel assigned to a listener and then
    /// released can be given to any outgoing connection (a database or silo client) before the server binds it, which
    /// failed test clusters with "address already in use". Ports below the range are never assigned to outgoing
    /// connections, and this process never hands the same one out twice.
    /// </summary>
    public static int Free()
    {
        var ephemeralStart = EphemeralRangeStart();
        var low = Math.Max(1024, ephemeralStart - 12_000);
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Next(low, ephemeralStart);
                if (HandedOut.Contains(port) || !CanListen(port)) continue;
                HandedOut.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"No free port between {low} and {ephemeralStart}.");
    }

    private static bool CanListen(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (int.TryParse(range[0], out var start) && start > 2048) return start;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 32768;
    }
}
