using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;

namespace ChangemakerLite.WebFrontend.Tests.Shifts;

/// <summary>
/// The public signup cannot be turned into a mail cannon or an account squatter: budgets per email and per shift
/// (whatever the IP), a plain bounded name, and TEMP accounts purged some time after they expired.
/// </summary>
public sealed class PublicSignupAbuseTests : ClusterTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["SHIFT_SIGNUP_RATE_LIMIT_PER_IP"] = "100000",
        ["SHIFT_SIGNUP_RATE_LIMIT_PER_EMAIL"] = "2",
        ["SHIFT_SIGNUP_RATE_LIMIT_PER_SHIFT"] = "3",
        ["TEMP_PURGE_DAYS"] = "30",
    };

    private static string Email(string what) => $"{what}-{Guid.NewGuid():N}@example.org";

    private async Task<Guid> PublicShift(int days = 9)
    {
        using var admin = Cluster.Http(0, await ShiftFixtures.AdminTokenAsync(Cluster));
        return (await ShiftFixtures.CreateShiftAsync(admin, 50, isPublic: true, daysFromToday: days)).GetProperty("id").GetGuid();
    }

    private async Task<HttpResponseMessage> SignUp(Guid shift, string name, string email)
    {
        using var anonymous = Cluster.Http();
        return await anonymous.PostAsJsonAsync($"/api/public/shifts/{shift}/signups", new { name, email });
    }

    [Fact]
    public async Task One_address_is_signed_up_at_most_the_per_email_budget_an_hour_whatever_the_shift()
    {
        var email = Email("often");
        var shifts = new[] { await PublicShift(), await PublicShift(), await PublicShift() };
        Assert.Equal(HttpStatusCode.Created, (await SignUp(shifts[0], "Robin Often", email)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await SignUp(shifts[1], "Robin Often", email.ToUpperInvariant())).StatusCode);
        var refused = await SignUp(shifts[2], "Robin Often", email);
        await Problem.Expect(refused, HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE user_email = @e", ("e", email)));
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT count(*)::int FROM outbox_messages WHERE to_address = @e", ("e", email)));
    }

    [Fact]
    public async Task One_shift_takes_at_most_the_per_shift_budget_of_public_signups_a_minute_whatever_the_addresses()
    {
        var shift = await PublicShift();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Created, (await SignUp(shift, "Sam Crowd", Email("crowd"))).StatusCode);
        var late = Email("crowd");
        await Problem.Expect(await SignUp(shift, "Sam Crowd", late), HttpStatusCode.TooManyRequests);
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM users WHERE email = @e", ("e", late)));
        Assert.Equal(3, await Db.ScalarAsync<int>("SELECT current_volunteers FROM shifts WHERE id = @id", ("id", shift)));
    }

    [Theory]
    [InlineData("Visit https://evil.example.org now")]
    [InlineData("Click www.evil.example")]
    [InlineData("<a href=x>Prize</a>")]
    [InlineData("Call 555 0100 to claim")]
    [InlineData("Line\nbreak")]
    [InlineData("Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task A_name_that_is_not_a_plain_bounded_name_is_400_and_nothing_is_written_or_sent(string name)
    {
        var shift = await PublicShift();
        var email = Email("named");
        await Problem.Expect(await SignUp(shift, name, email), HttpStatusCode.BadRequest, "name");
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM users WHERE email = @e", ("e", email)));
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM outbox_messages WHERE to_address = @e", ("e", email)));
    }

    [Theory]
    [InlineData("Zoë O'Brien-Smith")]
    [InlineData("J. R. Tolkien")]
    [InlineData("Nguyễn Văn An")]
    public async Task Plain_names_of_many_languages_are_taken(string name)
    {
        var shift = await PublicShift();
        Assert.Equal(HttpStatusCode.Created, (await SignUp(shift, name, Email("plain"))).StatusCode);
    }

    [Fact]
    public async Task A_temp_account_expired_longer_than_the_purge_period_is_removed_and_its_signups_kept_anonymised()
    {
        var shift = await PublicShift();
        var old = Email("old-temp");
        var recent = Email("recent-temp");
        Assert.Equal(HttpStatusCode.Created, (await SignUp(shift, "Old Temp", old)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await SignUp(shift, "Recent Temp", recent)).StatusCode);
        await Db.ExecuteAsync("UPDATE users SET status = 'EXPIRED', expires_at = now() - interval '31 days' WHERE email = @e", ("e", old));
        await Db.ExecuteAsync("UPDATE users SET status = 'EXPIRED', expires_at = now() - interval '29 days' WHERE email = @e", ("e", recent));
        var oldId = await Db.ScalarAsync<Guid>("SELECT id FROM users WHERE email = @e", ("e", old));

        await Cluster.ClientOf(0).GetGrain<ITempUserSweepGrain>(0).SweepNow();

        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM users WHERE id = @id OR email = @e", ("id", oldId), ("e", old)));
        Assert.Equal(1, await Db.ScalarAsync<int>("SELECT count(*)::int FROM users WHERE email = @e", ("e", recent)));
        // The signup stays, counted, with nothing left of the person.
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE shift_id = @s AND status = 'CONFIRMED'", ("s", shift)));
        Assert.Equal(0, await Db.ScalarAsync<int>("SELECT count(*)::int FROM shift_signups WHERE user_email = @e OR user_name = 'Old Temp'", ("e", old)));
        Assert.Equal(1, await Db.ScalarAsync<int>(
            "SELECT count(*)::int FROM shift_signups WHERE shift_id = @s AND user_id IS NULL AND user_name IS NULL AND user_email LIKE 'purged-%@invalid'", ("s", shift)));
        // The address is free for its owner again.
        Assert.Equal(HttpStatusCode.Created, (await SignUp(await PublicShift(), "Old Temp", old)).StatusCode);
    }
}
