using System.Net;
using System.Text.Json;
using ChangemakerLite.Grains.Canvassing;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.TestSupport;
using static ChangemakerLite.TestSupport.CanvassClient;

namespace ChangemakerLite.Cluster.Tests.Canvassing;

/// <summary>
/// A silo dies while a phone streams its trail: the trail continues on the other silo, and every point
/// the API acknowledged (accepted or reported as a duplicate, i.e. already durable) is in the database
/// exactly once, with the trail's totals agreeing with its rows. Each test kills a silo: a cluster per test. A request
/// in flight when its silo dies may fail with a 500; the phone retries it, so the clients here accept one.
/// </summary>
[ClusterPerTest]
public sealed class CanvassIngestFailoverTests : ClusterTest
{
    // A silo is killed under the frontends' traffic: the frontends must outlive it.
    protected override ClusterTopology Topology => ClusterTopology.Separate;
    protected override int Silos => 2;
    protected override int Frontends => 1;
    // Orleans' own response timeout: a call caught by the kill fails and is retried within the test's patience.
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["TEST_GRAIN_CALL_TIMEOUT_SECONDS"] = "30" };

    [Fact]
    public async Task Killing_the_silo_of_a_trail_mid_ingest_loses_nothing_acknowledged()
    {
        var cut = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50);
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var canvasser = new CanvassClient(Cluster.Http(0, TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.User), allowServerErrors: true));
        var sessionId = await canvasser.StartSessionAsync(cut);
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-30);
        object Fix(long seq) => Point(seq, 53.5 + seq * 0.00002, -113.505, t0.AddSeconds(seq));

        var acknowledged = new HashSet<long>();
        var (ackedBeforeKill, ackedAfterKill, failures) = (0, 0, 0);
        var killed = false;
        const int batchSize = 20;
        for (var batch = 0; batch < 40; batch++)
        {
            // Batches overlap by a quarter, as a phone re-sending its unconfirmed tail would.
            var seqs = Enumerable.Range(batch * 15, batchSize).Select(i => (long)i).ToList();
            if (batch == 15)
            {
                var grain = Cluster.ClientOf(0).GetGrain<ITrackingSessionGrain>(sessionId);
                var host = await Cluster.ClientOf(0).GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
                var victim = Enumerable.Range(0, 2).Single(i => Cluster.SiloService<ILocalSiloDetails>(i).SiloAddress.Equals(host));
                await Cluster.StopSiloAsync(victim, graceful: false);
                killed = true;
            }
            // A phone retries until the server confirms; only a confirmed batch counts as acknowledged.
            for (var attempt = 0; ; attempt++)
            {
                HttpResponseMessage? response = null;
                try { response = await canvasser.PointsAsync(sessionId, seqs.Select(Fix)); }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
                if (response?.StatusCode == HttpStatusCode.OK)
                {
                    var body = await JsonAsync(response);
                    Assert.Equal(batchSize, body.GetProperty("accepted").GetInt32() + body.GetProperty("duplicates").GetInt32());
                    acknowledged.UnionWith(seqs);
                    if (killed) ackedAfterKill++; else ackedBeforeKill++;
                    break;
                }
                failures++;
                Assert.True(attempt < 30, $"batch {batch} never got through: {(int?)response?.StatusCode} {await (response?.Content.ReadAsStringAsync() ?? Task.FromResult(""))}");
                await Task.Delay(500);
            }
        }
        Assert.Equal(15, ackedBeforeKill);
        Assert.Equal(25, ackedAfterKill);

        var trail = await Db.ScalarAsync<Guid>("SELECT id FROM tracking_sessions WHERE canvass_session_id = @s", ("s", sessionId));
        var rows = await Db.DataSource.CreateCommand($"""
            SELECT seq, latitude::float8, longitude::float8, accuracy, recorded_at FROM track_points
            WHERE tracking_session_id = '{trail}' AND seq IS NOT NULL ORDER BY recorded_at, seq
            """).ExecuteReaderAsync();
        var stored = new List<TrackPointInput>();
        while (await rows.ReadAsync())
            stored.Add(new TrackPointInput(rows.GetInt64(0), rows.GetDouble(1), rows.GetDouble(2), rows.IsDBNull(3) ? null : rows.GetDouble(3),
                rows.GetFieldValue<DateTimeOffset>(4), null));
        await rows.DisposeAsync();

        // Exactly once: every acknowledged seq is there, none twice (the unique key would refuse it anyway).
        Assert.Equal(acknowledged.Order(), stored.Select(p => p.Seq).Where(acknowledged.Contains).Order());
        Assert.Equal(stored.Count, stored.Select(p => p.Seq).Distinct().Count());
        // Totals agree with the rows.
        var totalPoints = await Db.ScalarAsync<int>("SELECT total_points FROM tracking_sessions WHERE id = @t", ("t", trail));
        Assert.Equal(stored.Count, totalPoints);
        var odometer = new TrackOdometer();
        foreach (var point in stored) odometer.Add(point);
        Assert.Equal(odometer.TotalMeters, await Db.ScalarAsync<double>("SELECT total_distance_m FROM tracking_sessions WHERE id = @t", ("t", trail)), 3);

        // The session carries on: its detail answers from the surviving silo.
        var details = await JsonAsync(await canvasser.Http.GetAsync($"/api/canvass/sessions/{sessionId}"));
        Assert.Equal("ACTIVE", details.GetProperty("session").GetProperty("status").GetString());
        Assert.Equal(totalPoints, details.GetProperty("totalPoints").GetInt32());
        Console.WriteLine($"failover: {acknowledged.Count} points acknowledged, {failures} failed attempts retried");
    }

    [Fact]
    public async Task Concurrent_posters_through_a_silo_kill_lose_nothing_acknowledged()
    {
        var cut = await CanvassTestData.InsertCutAsync(Db, 53.50, -113.51, 53.51, -113.50);
        var user = await TestUsers.CreateAsync(Db, UserRole.User);
        var token = TestTokens.Mint(Cluster.SigningKey, user.Id, user.Email, UserRole.User);
        var sessionId = await new CanvassClient(Cluster.Http(0, token)).StartSessionAsync(cut);
        var t0 = DateTimeOffset.UtcNow.AddHours(-1);
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<long, bool>();
        using var stop = new CancellationTokenSource();

        // Four request streams into one trail (a phone retrying over two radios, say), each re-sending its
        // previous batch's tail, so the grain batches concurrent requests and sees duplicates in flight.
        async Task Poster(int poster)
        {
            var canvasser = new CanvassClient(Cluster.Http(0, token, allowServerErrors: true));
            for (var batch = 0; !stop.IsCancellationRequested; batch++)
            {
                var seqs = Enumerable.Range(batch * 8, 10).Select(i => poster * 1_000_000L + i).ToList();
                var points = seqs.Select(seq => Point(seq, 53.505, -113.505, t0.AddMilliseconds(seq % 1_000_000 * 10 + poster))).ToList();
                // Retries until acknowledged or told to stop; a batch cut short by the stop is simply not acknowledged.
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var response = await canvasser.PointsAsync(sessionId, points);
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            foreach (var seq in seqs) acknowledged[seq] = true;
                            break;
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
                    try { await Task.Delay(200, stop.Token); } catch (OperationCanceledException) { }
                }
            }
        }

        var posters = Enumerable.Range(0, 4).Select(Poster).ToList();
        await Eventually.True(() => Task.FromResult(acknowledged.Count >= 200), "the posters under way before the kill");
        var beforeKill = acknowledged.Count;
        var grain = Cluster.ClientOf(0).GetGrain<ITrackingSessionGrain>(sessionId);
        var host = await Cluster.ClientOf(0).GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
        await Cluster.StopSiloAsync(Enumerable.Range(0, 2).Single(i => Cluster.SiloService<ILocalSiloDetails>(i).SiloAddress.Equals(host)), graceful: false);
        var atKill = acknowledged.Count;
        await Eventually.True(() => Task.FromResult(acknowledged.Count > atKill + 200), "acknowledgements resume on the surviving silo", TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await Task.WhenAll(posters);

        var trail = await Db.ScalarAsync<Guid>("SELECT id FROM tracking_sessions WHERE canvass_session_id = @s", ("s", sessionId));
        var acked = acknowledged.Keys.ToArray();
        Assert.True(beforeKill > 0);
        Assert.Equal((long)acked.Length, await Db.ScalarAsync<long>(
            "SELECT count(*) FROM track_points WHERE tracking_session_id = @t AND seq = ANY(@seqs)", ("t", trail), ("seqs", acked)));
        var rows = await Db.ScalarAsync<long>("SELECT count(*) FROM track_points WHERE tracking_session_id = @t AND seq IS NOT NULL", ("t", trail));
        Assert.Equal(rows, await Db.ScalarAsync<long>("SELECT count(DISTINCT seq) FROM track_points WHERE tracking_session_id = @t", ("t", trail)));
        Assert.Equal(rows, await Db.ScalarAsync<int>("SELECT total_points FROM tracking_sessions WHERE id = @t", ("t", trail)));
        Console.WriteLine($"concurrent failover: {beforeKill} acknowledged before the kill, {acked.Length} in all, {rows} rows");
    }
}
