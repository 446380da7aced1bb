using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Influence;

namespace ChangemakerLite.WebFrontend.Tests.Influence;

/// <summary>The representative lookup against a stand-in Represent: cache first, one upstream call per code, stale answers when it fails.</summary>
public sealed class RepresentativeLookupTests : InfluenceTestBase
{
    private static readonly HashSet<string> Used = [];

    /// <summary>A postal code no other test of this class uses.</summary>
    private static string NewCode()
    {
        const string letters = "ABCEGHJKLMNPRSTVWXYZ";
        lock (Used)
            while (true)
            {
                var r = Random.Shared;
                var code = $"K{r.Next(10)}{letters[r.Next(letters.Length)]} {r.Next(10)}{letters[r.Next(letters.Length)]}{r.Next(10)}";
                if (Used.Add(code)) return code;
            }
    }

    private Task<HttpResponseMessage> Lookup(string code) =>
        Anonymous.PostAsJsonAsync("/api/public/representatives/lookup", new { postalCode = code });

    private static string Compact(string code) => code.Replace(" ", "");

    [Fact]
    public async Task A_lookup_answers_the_merged_representatives_with_their_levels_and_caches_them()
    {
        var code = NewCode();
        var answer = await Ok(await Lookup(code.ToLowerInvariant().Replace(" ", "  ")));
        Assert.Equal(code, answer.GetProperty("postalCode").GetString());
        var reps = answer.GetProperty("representatives").EnumerateArray().ToList();
        // The MP came in both of Represent's lists: one representative.
        Assert.Equal(3, reps.Count);
        var mp = reps.Single(r => r.GetProperty("electedOffice").GetString() == "MP");
        Assert.Equal(FakeRepresent.MpEmail(Compact(code)), mp.GetProperty("email").GetString());
        Assert.Equal("FEDERAL", mp.GetProperty("level").GetString());
        Assert.Equal("Mississauga\u2014Lakeshore", mp.GetProperty("districtName").GetString());
        Assert.Equal(2, mp.GetProperty("offices").GetArrayLength());
        Assert.Equal("PROVINCIAL", reps.Single(r => r.GetProperty("electedOffice").GetString() == "MPP").GetProperty("level").GetString());
        var councillor = reps.Single(r => r.GetProperty("electedOffice").GetString() == "Councillor");
        Assert.Equal("MUNICIPAL", councillor.GetProperty("level").GetString());
        Assert.True(councillor.GetProperty("email").ValueKind == JsonValueKind.Null);

        Assert.Equal(3, await Db.ScalarAsync<long>("SELECT count(*) FROM representatives WHERE postal_code = @c", ("c", code)));
        Assert.Equal("Mississauga", await Db.ScalarAsync<string>("SELECT city FROM postal_code_cache WHERE postal_code = @c", ("c", code)));
        await Ok(await Lookup(code));
        Assert.Equal(1, Represent.CallsByCode[Compact(code)]);
    }

    [Fact]
    public async Task Fifty_concurrent_lookups_of_one_code_make_one_upstream_call()
    {
        var code = NewCode();
        Represent.Delay = TimeSpan.FromMilliseconds(300);
        try
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Lookup(code)));
            foreach (var answer in answers) Assert.Equal(3, (await Ok(answer)).GetProperty("representatives").GetArrayLength());
        }
        finally
        {
            Represent.Delay = TimeSpan.Zero;
        }
        Assert.Equal(1, Represent.CallsByCode[Compact(code)]);
    }

    [Fact]
    public async Task Upstream_failures_answer_the_old_cache_and_without_one_503_with_retry_after()
    {
        var cached = NewCode();
        await Ok(await Lookup(cached));
        // The cache is made old, as if REPRESENT_CACHE_HOURS had passed; the grain's memory is cleared with it.
        await Db.ExecuteAsync("UPDATE postal_code_cache SET last_updated = now() - interval '30 days' WHERE postal_code = @c", ("c", cached));
        await Cluster.ClientOf(0).GetGrain<Grains.Interfaces.Influence.IPostalCodeGrain>(cached).Forget();
        foreach (var failure in new[] { 500, 429, 503, -1 })
        {
            Represent.Failure = failure;
            try
            {
                var stale = await Ok(await Lookup(cached));
                Assert.True(stale.GetProperty("stale").GetBoolean());
                Assert.Equal(3, stale.GetProperty("representatives").GetArrayLength());
                var response = await Lookup(NewCode());
                await Problem(response, HttpStatusCode.ServiceUnavailable);
                Assert.NotNull(response.Headers.RetryAfter);
            }
            finally
            {
                Represent.Failure = 0;
            }
            await Cluster.ClientOf(0).GetGrain<Grains.Interfaces.Influence.IPostalCodeGrain>(cached).Forget();
        }
        // Represent back: the old cache is refreshed.
        var fresh = await Ok(await Lookup(cached));
        Assert.False(fresh.GetProperty("stale").GetBoolean());
        Assert.True(await Db.ScalarAsync<bool>("SELECT last_updated > now() - interval '1 minute' FROM postal_code_cache WHERE postal_code = @c", ("c", cached)));
    }

    [Fact]
    public async Task Bad_and_unknown_codes_are_400_and_404()
    {
        await ProblemWithField(await Lookup("12345"), "postalCode");
        await ProblemWithField(await Lookup("D1A 1A1"), "postalCode");
        await ProblemWithField(await Anonymous.PostAsJsonAsync("/api/public/representatives/lookup", new { }), "postalCode");
        await Problem(await Anonymous.PostAsync("/api/public/representatives/lookup", Json("[1")), HttpStatusCode.BadRequest);
        // X9… codes are unknown to the stand-in, as codes Represent lacks are: its HTML 404 becomes ours.
        await Problem(await Lookup("X9A 1A1"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Admins_see_the_cache_with_stats_clear_it_and_check_upstream_health()
    {
        var code = NewCode();
        await Ok(await Lookup(code));
        var view = await Ok(await Admin.GetAsync($"/api/representatives?postalCode={Uri.EscapeDataString(code)}"));
        Assert.Equal(3, view.GetProperty("total").GetInt32());
        Assert.All(view.GetProperty("items").EnumerateArray(), i => Assert.Equal(code, i.GetProperty("postalCode").GetString()));
        Assert.True(view.GetProperty("stats").GetProperty("postalCodes").GetInt64() >= 1);
        await ProblemWithField(await Admin.GetAsync("/api/representatives?postalCode=nope"), "postalCode");

        var stats = await Ok(await Admin.GetAsync("/api/postal-codes/stats"));
        Assert.Contains(code, stats.GetProperty("recent").EnumerateArray().Select(p => p.GetProperty("postalCode").GetString()));
        var adminLookup = await Ok(await Admin.PostAsJsonAsync("/api/postal-codes/lookup", new { postalCode = code }));
        Assert.Equal("ON", adminLookup.GetProperty("province").GetString());
        Assert.Equal(43.579924, adminLookup.GetProperty("latitude").GetDouble(), 5);
        await ProblemWithField(await Admin.PostAsJsonAsync("/api/postal-codes/lookup", new { postalCode = "" }), "postalCode");

        var health = await Ok(await Admin.GetAsync("/api/representatives/health"));
        Assert.True(health.GetProperty("reachable").GetBoolean());
        Represent.Failure = 503;
        try { Assert.False((await Ok(await Admin.GetAsync("/api/representatives/health"))).GetProperty("reachable").GetBoolean()); }
        finally { Represent.Failure = 0; }

        var cleared = await Ok(await Admin.DeleteAsync($"/api/representatives/cache?postalCode={Uri.EscapeDataString(code)}"));
        Assert.Contains(code, cleared.GetProperty("postalCodes").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(0, await Db.ScalarAsync<long>("SELECT count(*) FROM representatives WHERE postal_code = @c", ("c", code)));
        await Ok(await Lookup(code));
        Assert.Equal(2, Represent.CallsByCode[Compact(code)]);
        await ProblemWithField(await Admin.DeleteAsync("/api/representatives/cache?postalCode=123"), "postalCode");
    }
}

/// <summary>The cluster-wide budget of upstream calls: past it, callers wait briefly or get 503 with Retry-After.</summary>
public sealed class RepresentativeBudgetTests : InfluenceTestBase
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["REPRESENT_CALLS_PER_MINUTE"] = "3",
        ["REPRESENT_MAX_WAIT_MS"] = "200",
    };

    [Fact]
    public async Task Past_the_budget_a_lookup_of_an_uncached_code_is_503_with_retry_after()
    {
        var codes = new[] { "M4B 1B3", "M4B 1B4", "M4B 1B5", "M4B 1B6" };
        for (var i = 0; i < 3; i++)
            await Ok(await Anonymous.PostAsJsonAsync("/api/public/representatives/lookup", new { postalCode = codes[i] }));
        var refused = await Anonymous.PostAsJsonAsync("/api/public/representatives/lookup", new { postalCode = codes[3] });
        await Problem(refused, HttpStatusCode.ServiceUnavailable);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.FromSeconds(30));
        Assert.Equal(3, Represent.Calls);
        // Cached codes still answer.
        await Ok(await Anonymous.PostAsJsonAsync("/api/public/representatives/lookup", new { postalCode = codes[0] }));
    }
}
