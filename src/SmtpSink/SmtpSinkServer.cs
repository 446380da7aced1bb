using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace ChangemakerLite.SmtpSink;

/// <summary>A message the sink accepted, as a reader of the mailbox would see it.</summary>
public sealed record ReceivedMessage(
    Guid Id,
    DateTimeOffset ReceivedAt,
    string From,
    IReadOnlyList<string> To,
    string Subject,
    string? TextBody,
    string? HtmlBody,
    IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A real SMTP server on loopback that keeps every message it accepts (in memory, and as .eml files
/// when given a folder). Development and tests send mail to it through MailKit exactly as production
/// sends to a real relay; tests read what arrived and can stop and restart it to play an outage.
/// </summary>
public sealed class SmtpSinkServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedMessage> _messages = new();
    private readonly string? _folder;
    private CancellationTokenSource? _stop;
    private Task? _running;

    public SmtpSinkServer(int port, string? folder = null)
    {
        Port = port;
        _folder = folder;
        if (_folder is not null) Directory.CreateDirectory(_folder);
    }

    public int Port { get; }
    public IReadOnlyCollection<ReceivedMessage> Messages => _messages.ToArray();
    public bool IsRunning => _running is { IsCompleted: false };

    public async Task StartAsync()
    {
        if (IsRunning) return;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("changemaker-sink")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add(new NoDelayListenerFactory());
        var server = new SmtpServer.SmtpServer(options, services);
        _stop = new CancellationTokenSource();
        _running = server.StartAsync(_stop.Token);
        // StartAsync returns a task that runs until stopped; give the listener a moment to bind.
        await WaitUntilListening();
    }

    public async Task StopAsync()
    {
        if (_stop is null || _running is null) return;
        await _stop.CancelAsync();
        try { await _running; } catch (OperationCanceledException) { }
        _stop.Dispose();
        _stop = null;
        _running = null;
    }

    public void Clear() { while (_messages.TryDequeue(out _)) { } }

    private async Task WaitUntilListening()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(20);
            }
        }
        throw new InvalidOperationException($"The SMTP sink did not start listening on port {Port}.");
    }

    private async Task Keep(MimeMessage message, Stream raw)
    {
        var id = Guid.NewGuid();
        var received = new ReceivedMessage(
            id,
            DateTimeOffset.UtcNow,
            message.From.Mailboxes.FirstOrDefault()?.Address ?? "",
            message.To.Mailboxes.Select(m => m.Address).ToList(),
            message.Subject ?? "",
            message.TextBody,
            message.HtmlBody,
            message.Headers.GroupBy(h => h.Field, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.OrdinalIgnoreCase));
        if (_folder is not null)
        {
            raw.Position = 0;
            await using var file = File.Create(Path.Combine(_folder, $"{received.ReceivedAt:yyyyMMddTHHmmssfff}-{id:N}.eml"));
            await raw.CopyToAsync(file);
        }
        _messages.Enqueue(received);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// Accepts connections with Nagle's algorithm off, as real relays do: with it on, each reply that follows another
    /// write waits for the client's delayed ACK, 40 ms a message, and the sink would take ~22 messages a second.
    /// </summary>
    private sealed class NoDelayListenerFactory : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
        {
            var listener = new TcpListener(endpointDefinition.Endpoint);
            listener.Start();
            return new NoDelayListener(listener);
        }
    }

    private sealed class NoDelayListener(TcpListener listener) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken);
            client.NoDelay = true;
            context.Properties[EndpointListener.LocalEndPointKey] = client.Client.LocalEndPoint;
            context.Properties[EndpointListener.RemoteEndPointKey] = client.Client.RemoteEndPoint;
            return new StreamPipe(client);
        }

        public void Dispose() => listener.Stop();
    }

    private sealed class StreamPipe : ISecurableDuplexPipe
    {
        private readonly TcpClient _client;
        private Stream _stream;

        public StreamPipe(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
            Input = PipeReader.Create(_stream);
            Output = PipeWriter.Create(_stream);
        }

        public PipeReader Input { get; private set; }
        public PipeWriter Output { get; private set; }
        public bool IsSecure => _stream is SslStream;
        public SslProtocols SslProtocol => (_stream as SslStream)?.SslProtocol ?? SslProtocols.None;

        public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default)
        {
            var ssl = new SslStream(_stream, leaveInnerStreamOpen: true);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                EnabledSslProtocols = protocols,
            }, cancellationToken);
            _stream = ssl;
            Input = PipeReader.Create(ssl);
            Output = PipeWriter.Create(ssl);
        }

        public void Dispose()
        {
            _stream.Dispose();
            _client.Dispose();
        }
    }

    private sealed class Store(SmtpSinkServer sink) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            await using var stream = new MemoryStream();
            foreach (var segment in buffer) await stream.WriteAsync(segment, cancellationToken);
            stream.Position = 0;
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            await sink.Keep(message, stream);
            return SmtpResponse.Ok;
        }
    }
}
