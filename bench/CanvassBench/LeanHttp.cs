using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// The load generator's HTTP/1.1 client: keep-alive connections over plain sockets, each request written from bytes
/// prepared once per canvasser and path, each response read only for what the bench needs (status, Location, body).
/// The generator shares the two cores with the servers it measures, so whatever it spends per request is taken from
/// them; HttpClient's general machinery (handlers, header objects, per-request timers) was a large part of its CPU.
/// What the frontend receives is what a phone sends: a POST with a JSON body and a Content-Length.
/// </summary>
sealed class LeanHttp : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly IPEndPoint _server;
    private readonly ConcurrentBag<Connection> _idle = [];
    private readonly ConcurrentDictionary<Connection, byte> _all = new();
    private readonly Timer _watchdog;

    public LeanHttp(IPEndPoint server)
    {
        _server = server;
        // One timer for all requests: a connection whose answer is overdue is closed, which fails its pending read.
        _watchdog = new Timer(_ =>
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var connection in _all.Keys)
                if (Interlocked.Read(ref connection.BusySince) is var since and not 0 && Stopwatch.GetElapsedTime(since, now) > Timeout)
                    connection.Dispose();
        }, null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    }

    /// <summary>The start of a POST to one path with one bearer token, up to the Content-Length value.</summary>
    public byte[] Head(string path, string token) =>
        Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: {_server}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: ");

    public async Task<LeanResponse> PostAsync(byte[] head, ReadOnlyMemory<byte> body)
    {
        if (!_idle.TryTake(out var connection))
        {
            connection = await Connection.OpenAsync(_server);
            _all[connection] = 0;
        }
        try
        {
            var response = await connection.ExchangeAsync(head, body);
            if (response.KeepAlive) _idle.Add(connection);
            else Drop(connection);
            return response;
        }
        catch
        {
            Drop(connection);
            throw;
        }
    }

    private void Drop(Connection connection)
    {
        _all.TryRemove(connection, out _);
        connection.Dispose();
    }

    public void Dispose()
    {
        _watchdog.Dispose();
        foreach (var connection in _all.Keys) connection.Dispose();
    }

    private sealed class Connection(Socket socket) : IDisposable
    {
        // On the pinned heap: a socket operation pins its buffer, and thousands of pinned arrays among the young
        // objects made every collection slow.
        private byte[] _send = Buffer(4096);
        private byte[] _receive = Buffer(8192);

        private static byte[] Buffer(int size) => GC.AllocateUninitializedArray<byte>(size, pinned: true);

        /// <summary>When the request in flight was sent (Stopwatch ticks), 0 while idle; read by the watchdog.</summary>
        public long BusySince;

        public static async Task<Connection> OpenAsync(IPEndPoint server)
        {
            var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(server);
            return new Connection(socket);
        }

        public async Task<LeanResponse> ExchangeAsync(byte[] head, ReadOnlyMemory<byte> body)
        {
            Interlocked.Exchange(ref BusySince, Stopwatch.GetTimestamp());
            try
            {
                var length = Write(head, body);
                for (var sent = 0; sent < length;)
                    sent += await socket.SendAsync(_send.AsMemory(sent, length - sent), SocketFlags.None);
                return await ReadResponseAsync();
            }
            finally
            {
                Interlocked.Exchange(ref BusySince, 0);
            }
        }

        private int Write(byte[] head, ReadOnlyMemory<byte> body)
        {
            var needed = head.Length + 16 + body.Length;
            if (_send.Length < needed) _send = Buffer(Math.Max(needed, _send.Length * 2));
            head.CopyTo(_send, 0);
            var at = head.Length;
            Utf8Formatter.TryFormat(body.Length, _send.AsSpan(at), out var digits);
            at += digits;
            "\r\n\r\n"u8.CopyTo(_send.AsSpan(at));
            at += 4;
            body.Span.CopyTo(_send.AsSpan(at));
            return at + body.Length;
        }

        private async Task<LeanResponse> ReadResponseAsync()
        {
            var filled = 0;
            int headerEnd;
            while ((headerEnd = _receive.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0) filled = await FillAsync(filled);
            var (status, contentLength, chunked, keepAlive, location) = ParseHead(_receive.AsSpan(0, headerEnd + 2));
            var bodyStart = headerEnd + 4;
            if (!chunked)
            {
                var length = contentLength ?? 0;
                while (filled < bodyStart + length) filled = await FillAsync(filled);
                return new LeanResponse(status, location, status < 300 ? "" : Encoding.UTF8.GetString(_receive, bodyStart, length), keepAlive);
            }

            // Chunked: size line, data, CRLF, until the zero-size chunk and the blank line after it.
            var text = new StringBuilder();
            var at = bodyStart;
            while (true)
            {
                int lineEnd;
                while ((lineEnd = _receive.AsSpan(at, filled - at).IndexOf("\r\n"u8)) < 0) filled = await FillAsync(filled);
                var size = Convert.ToInt32(Encoding.ASCII.GetString(_receive, at, lineEnd).Split(';')[0].Trim(), 16);
                at += lineEnd + 2;
                while (filled < at + size + 2) filled = await FillAsync(filled);
                if (size == 0) break;
                // Only a refusal's body is read, for the failure report.
                if (status >= 300) text.Append(Encoding.UTF8.GetString(_receive, at, size));
                at += size + 2;
            }
            return new LeanResponse(status, location, text.ToString(), keepAlive);
        }

        private async Task<int> FillAsync(int filled)
        {
            if (filled == _receive.Length)
            {
                var larger = Buffer(_receive.Length * 2);
                _receive.CopyTo(larger, 0);
                _receive = larger;
            }
            var read = await socket.ReceiveAsync(_receive.AsMemory(filled), SocketFlags.None);
            if (read == 0) throw new IOException("The server closed the connection.");
            return filled + read;
        }

        private static (int Status, int? ContentLength, bool Chunked, bool KeepAlive, string? Location) ParseHead(ReadOnlySpan<byte> head)
        {
            // "HTTP/1.1 201 Created"
            var status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
            int? contentLength = null;
            bool chunked = false, keepAlive = true;
            string? location = null;
            var rest = head[(head.IndexOf("\r\n"u8) + 2)..];
            while (rest.Length > 0)
            {
                var end = rest.IndexOf("\r\n"u8);
                var line = rest[..end];
                rest = rest[(end + 2)..];
                var colon = line.IndexOf((byte)':');
                if (colon < 0) continue;
                var name = line[..colon];
                var value = line[(colon + 1)..].Trim((byte)' ');
                if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8)) contentLength = Utf8Parser.TryParse(value, out int n, out _) ? n : null;
                else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8)) chunked = value.IndexOf("chunked"u8) >= 0;
                else if (Ascii.EqualsIgnoreCase(name, "Connection"u8)) keepAlive = !Ascii.EqualsIgnoreCase(value, "close"u8);
                else if (Ascii.EqualsIgnoreCase(name, "Location"u8)) location = Encoding.ASCII.GetString(value);
            }
            return (status, contentLength, chunked, keepAlive, location);
        }

        public void Dispose() => socket.Dispose();
    }
}

/// <summary>What the bench reads of an answer.</summary>
readonly record struct LeanResponse(int Status, string? Location, string Body, bool KeepAlive)
{
    /// <summary>The id a 201's Location ends with (…/sessions/{id}, …/visits/{id}).</summary>
    public Guid CreatedId => Guid.Parse(Location.AsSpan(Location!.LastIndexOf('/') + 1));
}
