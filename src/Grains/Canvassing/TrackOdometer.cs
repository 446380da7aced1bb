using ChangemakerLite.Grains.Interfaces.Canvassing;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// Walked distance of a trail. Every fix is stored, but only trustworthy ones move the odometer: a fix
/// with poor accuracy, one older than the last trusted fix (a late retry), or one implying an impossible
/// speed from the last trusted fix (a GPS jump) is skipped, and the next fix is measured from the last
/// trusted one. That trusted fix is also the trail's "last position" (what the admin map shows), so the
/// odometer can be rebuilt after a restart from the stored last position alone.
/// </summary>
public sealed class TrackOdometer
{
    public TrackOdometer(double totalMeters = 0, double? lastLatitude = null, double? lastLongitude = null, DateTimeOffset? lastRecordedAt = null)
    {
        TotalMeters = totalMeters;
        if (lastLatitude is { } lat && lastLongitude is { } lng && lastRecordedAt is { } at) Last = (lat, lng, at);
    }

    public double TotalMeters { get; private set; }
    public (double Latitude, double Longitude, DateTimeOffset RecordedAt)? Last { get; private set; }

    /// <summary>Feeds one fix; true when it became the new last position.</summary>
    public bool Add(TrackPointInput point)
    {
        if (point.Accuracy is { } accuracy && accuracy > CanvassRules.MaxAccuracyMeters) return false;
        if (Last is not { } last)
        {
            Last = (point.Latitude, point.Longitude, point.RecordedAt);
            return true;
        }
        var seconds = (point.RecordedAt - last.RecordedAt).TotalSeconds;
        if (seconds <= 0) return false;
        var meters = Haversine.Meters(last.Latitude, last.Longitude, point.Latitude, point.Longitude);
        if (meters / seconds > CanvassRules.MaxSpeedMetersPerSecond) return false;
        TotalMeters += meters;
        Last = (point.Latitude, point.Longitude, point.RecordedAt);
        return true;
    }

    public TrackOdometer Clone() => new(TotalMeters, Last?.Latitude, Last?.Longitude, Last?.RecordedAt);
}
