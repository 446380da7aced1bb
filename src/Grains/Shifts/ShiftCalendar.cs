using System.Globalization;
using ChangemakerLite.Grains.Interfaces.Shifts;
using Microsoft.Extensions.Configuration;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>
/// Shift dates and times are wall-clock values of the campaign's place (SHIFTS_TIME_ZONE, an IANA name;
/// UTC when unset). Every "is it in the past" decision goes through here so they all agree.
/// </summary>
public sealed class ShiftCalendar(TimeZoneInfo zone, TimeProvider time)
{
    public static ShiftCalendar From(IConfiguration configuration, TimeProvider time) =>
        new(TimeZoneInfo.FindSystemTimeZoneById(configuration["SHIFTS_TIME_ZONE"] is { Length: > 0 } id ? id : "UTC"), time);

    public DateTimeOffset Now => time.GetUtcNow();

    public DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).DateTime);

    public DateTimeOffset At(DateOnly date, string hhmm)
    {
        var local = date.ToDateTime(TimeOnly.ParseExact(hhmm, "HH:mm", CultureInfo.InvariantCulture));
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    /// <summary>Signups close when the shift starts.</summary>
    public bool HasStarted(ShiftView shift) => Now >= At(shift.Date, shift.StartTime);

    /// <summary>A TEMP volunteer's account lasts until the end of the day after the shift.</summary>
    public DateTimeOffset TempUserExpiry(DateOnly shiftDate) => At(shiftDate.AddDays(2), "00:00");
}
