using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Shifts;

namespace ChangemakerLite.WebFrontend.Tests.Shifts;

/// <summary>
/// SHIFTS_TIME_ZONE: shift dates and times are the campaign's wall clock. Here the campaign is at UTC+14 (no daylight
/// saving), where a time two hours ago is still half a day ahead in UTC, so reading it as UTC would show.
/// </summary>
public sealed class ShiftTimeZoneTests : ClusterTest
{
    private const string ZoneId = "Pacific/Kiritimati";
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById(ZoneId);

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["SHIFTS_TIME_ZONE"] = ZoneId };

    private static DateTime LocalNow => TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Zone).DateTime;

    private async Task<Guid> InsertShift(DateTime localStart)
    {
        var id = Guid.NewGuid();
        await Db.ExecuteAsync("""
            INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers, is_public)
            VALUES (@id, 'Zoned', @date, @start, '23:59', 5, true)
            """, ("id", id), ("date", DateOnly.FromDateTime(localStart)), ("start", localStart.ToString("HH:mm", CultureInfo.InvariantCulture)));
        return id;
    }

    [Fact]
    public async Task A_shift_that_started_two_hours_ago_on_the_campaign_s_clock_takes_no_signups_and_one_in_two_hours_does()
    {
        var volunteer = (await ShiftFixtures.CreateVolunteersAsync(Cluster, 1))[0];
        using var http = Cluster.Http(0, volunteer.AccessToken);
        // Two hours ago there (three if that falls in the last minute of a day, so the end time stays after the start).
        var ago = LocalNow.AddHours(-2);
        if (ago.TimeOfDay >= new TimeSpan(23, 58, 0)) ago = ago.AddHours(-1);
        var started = await InsertShift(ago);
        await Problem.Expect(await http.PostAsync($"/api/shifts/{started}/signups", null), HttpStatusCode.Conflict, reason: "past");

        var soon = LocalNow.AddHours(2);
        if (soon.TimeOfDay >= new TimeSpan(23, 58, 0) || soon.Date != LocalNow.Date) soon = LocalNow.Date.AddDays(1).AddHours(1);
        var upcoming = await InsertShift(soon);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsync($"/api/shifts/{upcoming}/signups", null)).StatusCode);
    }

    [Fact]
    public async Task A_public_volunteer_s_account_lasts_until_midnight_after_the_shift_day_on_the_campaign_s_clock()
    {
        var shiftDay = DateOnly.FromDateTime(LocalNow).AddDays(10);
        var admin = await ShiftFixtures.AdminTokenAsync(Cluster);
        using var asAdmin = Cluster.Http(0, admin);
        var created = await asAdmin.PostAsJsonAsync("/api/shifts", new
        {
            title = "Zoned public", date = shiftDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), startTime = "09:00", endTime = "12:00",
            maxVolunteers = 5, isPublic = true,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var shift = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();

        var email = $"zoned-{Guid.NewGuid():N}@example.org";
        using var anonymous = Cluster.Http();
        Assert.Equal(HttpStatusCode.Created, (await anonymous.PostAsJsonAsync($"/api/public/shifts/{shift}/signups", new { name = "Zed", email })).StatusCode);

        var midnight = shiftDay.AddDays(2).ToDateTime(TimeOnly.MinValue);
        var expected = new DateTimeOffset(midnight, Zone.GetUtcOffset(midnight)).UtcDateTime;
        Assert.Equal(expected, (await Db.ScalarAsync<DateTime>("SELECT expires_at FROM users WHERE email = @e", ("e", email))).ToUniversalTime());
    }
}
