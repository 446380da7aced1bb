using System.Net;
using System.Net.Sockets;

namespace ChangemakerLite.Cluster.Tests.Operations;

/// <summary>
/// Forwards TCP from an address the namespaced hosts can reach (the bridge) to the test's PostgreSQL on loopback,
/// as a router between a silo's host and the database host would.
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpForwarder(IPAddress listenOn, IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(listenOn, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(Accept);
    }

    public int Port { get; }

    private async Task Accept()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try { inbound = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                using var client = inbound;
                using var outbound = new TcpClient();
                try
                {
                    await outbound.ConnectAsync(_target, _stop.Token);
                    var a = client.GetStream();
                    var b = outbound.GetStream();
                    await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
                }
                catch (Exception) { /* either side went away */ }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (Exception) { }
        _stop.Dispose();
    }
}
