using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using Npgsql;

namespace ChangemakerLite.Cluster.Tests.Operations;

/// <summary>
/// A steady canvassing load through the HTTP API, as phones make it: a few dozen sessions, each recording a visit
/// and a batch of GPS points every <c>pace</c>, retrying a write (same clientVisitId, same seqs) until it is
/// acknowledged. A session whose frontend stops answering moves to the next frontend, as behind a load balancer.
/// It records every acknowledgement and every failed attempt, and afterwards checks each acknowledged write against
/// PostgreSQL.
/// </summary>
public sealed class CanvassLoad : IAsyncDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly Func<IReadOnlyList<Uri>> _frontends;
    private readonly List<LoadSession> _sessions = [];
    private readonly ConcurrentDictionary<Guid, Guid> _ackedVisits = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<long, bool>> _ackedPoints = new();
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private readonly ConcurrentDictionary<string, (double First, double Last)> _errorTimes = new();
    private readonly ConcurrentQueue<(long At, int Session)> _acks = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _pace;
    private List<Task> _workers = [];

    private sealed record LoadSession(int Index, Guid Id, string Token, Guid Door)
    {
        public int Frontend { get; set; }
    }

    private CanvassLoad(Func<IReadOnlyList<Uri>> frontends, TimeSpan pace)
    {
        _frontends = frontends;
        _pace = pace;
    }

    public int Sessions => _sessions.Count;
    public IReadOnlyDictionary<string, int> Errors => _errors;
    public long AcknowledgedWrites => _acks.Count;
    public TimeSpan Elapsed => _clock.Elapsed;

    private NpgsqlDataSource _db = null!;
    private string _signingKey = "";
    private Guid _cut;
    private Guid _door;

    /// <summary>Makes the users, a cut and a door in the database, starts every session through the API, and starts sending.</summary>
    public static async Task<CanvassLoad> StartAsync(NpgsqlDataSource db, string signingKey, Func<IReadOnlyList<Uri>> frontends, int sessions = 24,
        TimeSpan? pace = null)
    {
        var load = new CanvassLoad(frontends, pace ?? TimeSpan.FromMilliseconds(400)) { _db = db, _signingKey = signingKey, _cut = Ids.New() };
        await Exec(db, """
            INSERT INTO cuts (id, name, geojson, is_public, min_lat, min_lng, max_lat, max_lng)
            VALUES (@id, 'Drill cut', '{"type":"Polygon","coordinates":[[[-113.51,53.5],[-113.5,53.5],[-113.5,53.51],[-113.51,53.51],[-113.51,53.5]]]}'::jsonb,
                    true, 53.50, -113.51, 53.51, -113.50)
            """, ("id", load._cut));
        var location = Ids.New();
        await Exec(db, "INSERT INTO locations (id, latitude, longitude, address) VALUES (@id, 53.505, -113.505, '1 Drill Street')", ("id", location));
        load._door = Ids.New();
        await Exec(db, "INSERT INTO addresses (id, location_id) VALUES (@id, @location)", ("id", load._door), ("location", location));
        await load.AddSessionsAsync(sessions);
        return load;
    }

    /// <summary>Starts more sessions (new canvassers, new grains) that join the load at once; returns their ids.</summary>
    /// <param name="writing">False for a session that is started and then left alone (not part of the load).</param>
    public async Task<List<Guid>> AddSessionsAsync(int count, bool writing = true)
    {
        var added = new List<LoadSession>();
        var idle = new List<Guid>();
        for (var n = 0; n < count; n++)
        {
            var i = _sessions.Count + added.Count;
            var user = Ids.New();
            var email = $"drill-{user:N}@example.org";
            await Exec(_db, """
                INSERT INTO users (id, email, password_hash, name, role, permissions, created_via, email_verified)
                VALUES (@id, @email, 'not-a-hash', 'Drill canvasser', @role, '{}'::jsonb, 'ADMIN', true)
                """, ("id", user), ("email", email), ("role", UserRole.User));
            var token = TestTokens.Mint(_signingKey, user, email, UserRole.User, lifetime: TimeSpan.FromHours(2));
            var frontend = i % _frontends().Count;
            using var http = Client(_frontends()[frontend], token);
            var started = await http.PostAsJsonAsync("/api/canvass/sessions", new { cutId = _cut });
            var body = await started.Content.ReadAsStringAsync();
            if (started.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"session {i} did not start: {(int)started.StatusCode} {body}");
            var session = new LoadSession(i, JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid(), token, _door) { Frontend = frontend };
            if (!writing)
            {
                idle.Add(session.Id);
                continue;
            }
            _ackedPoints[session.Id] = new ConcurrentDictionary<long, bool>();
            added.Add(session);
        }
        if (!writing) return idle;
        lock (_sessions) _sessions.AddRange(added);
        lock (_workers) _workers.AddRange(added.Select(s => Task.Run(() => Run(s))));
        return added.Select(s => s.Id).ToList();
    }

    public IReadOnlyList<Guid> SessionIds => _sessions.Select(s => s.Id).ToList();

    private static HttpClient Client(Uri frontend, string token)
    {
        var http = new HttpClient { BaseAddress = frontend, Timeout = RequestTimeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private async Task Run(LoadSession session)
    {
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-30);
        long seq = 0;
        while (!_stop.IsCancellationRequested)
        {
            var visitId = Guid.NewGuid();
            if (await Acknowledged(session, $"/api/canvass/sessions/{session.Id}/visits",
                    new { clientVisitId = visitId, addressId = session.Door, outcome = "SPOKE_WITH", supportLevel = "LEVEL_2" }))
                _ackedVisits[visitId] = session.Id;
            var seqs = new[] { seq + 1, seq + 2, seq + 3 };
            seq += 3;
            var points = seqs.Select(s => new { seq = s, latitude = 53.505 + s * 0.000001, longitude = -113.505, accuracy = 5.0, recordedAt = t0.AddSeconds(s) }).ToList();
            if (await Acknowledged(session, $"/api/canvass/sessions/{session.Id}/points", new { points }))
                foreach (var s in seqs) _ackedPoints[session.Id][s] = true;
            try { await Task.Delay(_pace, _stop.Token); } catch (OperationCanceledException) { }
        }
    }

    /// <summary>Sends until acknowledged (true) or the load stops (false), recording each failed attempt by its status.</summary>
    private async Task<bool> Acknowledged(LoadSession session, string path, object body)
    {
        while (!_stop.IsCancellationRequested)
        {
            var frontends = _frontends();
            var frontend = frontends[session.Frontend % frontends.Count];
            using var http = Client(frontend, session.Token);
            try
            {
                using var response = await http.PostAsJsonAsync(path, body);
                if (response.IsSuccessStatusCode)
                {
                    _acks.Enqueue((_clock.ElapsedTicks, session.Index));
                    return true;
                }
                var key = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is null) key += " without Retry-After";
                Count(key, path);
                if ((int)response.StatusCode is >= 400 and < 500 and not 429 and not 409)
                    throw new InvalidOperationException($"session {session.Index}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            catch (TaskCanceledException)
            {
                // An attempt that timed out while the load was stopping is simply not acknowledged; the loop ends below.
                if (!_stop.IsCancellationRequested) Count("timeout", path);
            }
            catch (HttpRequestException)
            {
                // The frontend is gone: the load balancer sends this phone elsewhere.
                Count("connection refused or reset", path);
                session.Frontend++;
            }
            try { await Task.Delay(300, _stop.Token); } catch (OperationCanceledException) { }
        }
        return false;
    }

    private void Count(string key, string path)
    {
        _errors.AddOrUpdate(key, 1, (_, n) => n + 1);
        var at = _clock.Elapsed.TotalSeconds;
        _errorTimes.AddOrUpdate($"{key} on {path[(path.LastIndexOf('/') + 1)..]}", (at, at), (_, t) => (t.First, at));
    }

    /// <summary>When each kind of failure happened (seconds since the load started), for a drill's printout.</summary>
    public string ErrorTimeline => string.Join(", ", _errorTimes.OrderBy(e => e.Value.First)
        .Select(e => $"{e.Key} from {e.Value.First:F1} s to {e.Value.Last:F1} s"));

    /// <summary>Time since the load started: mark a disruption with it, then ask <see cref="WorstRecoveryAfter"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>The longest any session waited, from <paramref name="since"/>, for its next acknowledged write (to now, if it has none).</summary>
    public TimeSpan WorstRecoveryAfter(TimeSpan since)
    {
        var sinceTicks = since.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        var firstAfter = _acks.Where(a => a.At >= sinceTicks).GroupBy(a => a.Session).ToDictionary(g => g.Key, g => g.Min(a => a.At));
        var now = _clock.ElapsedTicks;
        var worst = _sessions.Max(s => (firstAfter.TryGetValue(s.Index, out var at) ? at : now) - sinceTicks);
        return TimeSpan.FromSeconds((double)worst / Stopwatch.Frequency);
    }

    /// <summary>Waits until every session has had a write acknowledged after <paramref name="since"/>.</summary>
    public Task EverySessionWritesAfter(TimeSpan since, TimeSpan within) =>
        Eventually.True(() =>
        {
            var sinceTicks = since.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
            return Task.FromResult(_acks.Where(a => a.At >= sinceTicks).Select(a => a.Session).Distinct().Count() == _sessions.Count);
        }, "every session writes again", within);

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        Task[] workers;
        lock (_workers) workers = _workers.ToArray();
        await Task.WhenAll(workers);
    }

    /// <summary>Compares every acknowledged write with the database and prints the figures.</summary>
    public async Task<LoadReport> ReportAsync(NpgsqlDataSource db, string drill, TimeSpan? recovery = null)
    {
        var visitIds = _ackedVisits.Keys.ToArray();
        long storedVisits;
        await using (var command = db.CreateCommand("SELECT count(*) FROM canvass_visits WHERE client_visit_id = ANY(@ids)"))
        {
            command.Parameters.AddWithValue("ids", visitIds);
            storedVisits = (long)(await command.ExecuteScalarAsync())!;
        }
        long ackedPoints = 0, storedPoints = 0;
        foreach (var (session, seqs) in _ackedPoints)
        {
            var acked = seqs.Keys.ToArray();
            ackedPoints += acked.Length;
            await using var command = db.CreateCommand("""
                SELECT count(*) FROM track_points p JOIN tracking_sessions t ON t.id = p.tracking_session_id
                WHERE t.canvass_session_id = @s AND p.seq = ANY(@seqs)
                """);
            command.Parameters.AddWithValue("s", session);
            command.Parameters.AddWithValue("seqs", acked);
            storedPoints += (long)(await command.ExecuteScalarAsync())!;
        }
        var times = _acks.Select(a => a.At).Order().ToList();
        var longest = 0L;
        for (var i = 1; i < times.Count; i++) longest = Math.Max(longest, times[i] - times[i - 1]);
        var report = new LoadReport(drill, _sessions.Count, _clock.Elapsed, visitIds.Length, storedVisits, ackedPoints, storedPoints,
            TimeSpan.FromSeconds((double)longest / Stopwatch.Frequency), recovery, new Dictionary<string, int>(_errors));
        Console.WriteLine(report);
        if (_errorTimes.Count > 0) Console.WriteLine($"[drill: {drill}] failed attempts over time: {ErrorTimeline}");
        return report;
    }

    private static async Task Exec(NpgsqlDataSource db, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}

public sealed record LoadReport(string Drill, int Sessions, TimeSpan Duration, long VisitsAcknowledged, long VisitsStored, long PointsAcknowledged,
    long PointsStored, TimeSpan LongestGap, TimeSpan? WorstSessionRecovery, IReadOnlyDictionary<string, int> Errors)
{
    public long VisitsLost => VisitsAcknowledged - VisitsStored;
    public long PointsLost => PointsAcknowledged - PointsStored;

    public override string ToString() => (
        $"[drill: {Drill}] {Sessions} sessions for {Duration.TotalSeconds:F0} s; visits acknowledged {VisitsAcknowledged}, stored {VisitsStored}, lost {VisitsLost}; " +
        $"points acknowledged {PointsAcknowledged}, stored {PointsStored}, lost {PointsLost}; longest gap without acknowledged writes {LongestGap.TotalSeconds:F1} s" +
        (WorstSessionRecovery is { } r ? $"; slowest session to write again {r.TotalSeconds:F1} s" : "") +
        $"; errors by status: {(Errors.Count == 0 ? "none" : string.Join(", ", Errors.OrderBy(e => e.Key).Select(e => $"{e.Key}: {e.Value}")))}");
}
