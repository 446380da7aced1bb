using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>The canvass session grain's guards of what a phone sends: where a session starts, and a visit's fields.</summary>
public static class SessionRules
{
    public static void EnsureStartPosition(double? latitude, double? longitude)
    {
        if (latitude is { } lat && (!double.IsFinite(lat) || lat is < -90 or > 90))
            throw DomainException.Invalid("startLatitude", "must be between -90 and 90.");
        if (longitude is { } lng && (!double.IsFinite(lng) || lng is < -180 or > 180))
            throw DomainException.Invalid("startLongitude", "must be between -180 and 180.");
        if (latitude.HasValue != longitude.HasValue)
            throw DomainException.Invalid(latitude.HasValue ? "startLongitude" : "startLatitude", "is required with the other coordinate.");
    }

    /// <summary>A visit is stamped within the session (allowing for phones' clocks) and its texts fit their columns.</summary>
    public static void EnsureVisit(RecordVisitCommand command, DateTimeOffset sessionStartedAt, DateTimeOffset now)
    {
        if (command.VisitedAt is { } at && at > now + CanvassRules.ClockSkew) throw DomainException.Invalid("visitedAt", "must not be in the future.");
        if (command.VisitedAt is { } before && before < sessionStartedAt - CanvassRules.ClockSkew)
            throw DomainException.Invalid("visitedAt", "must not be before the session started.");
        if (command.DurationSeconds is { } d && d is < 0 or > CanvassRules.MaxDurationSeconds)
            throw DomainException.Invalid("durationSeconds", $"must be between 0 and {CanvassRules.MaxDurationSeconds}.");
        if (command.Notes is { Length: > CanvassRules.MaxNotesLength })
            throw DomainException.Invalid("notes", $"must be at most {CanvassRules.MaxNotesLength} characters.");
        if (command.SignSize is { Length: > CanvassRules.MaxSignSizeLength })
            throw DomainException.Invalid("signSize", $"must be at most {CanvassRules.MaxSignSizeLength} characters.");
    }

    /// <summary>The 409 of a command that needs an ACTIVE session, naming the status it found.</summary>
    public static void EnsureActive(SessionState session, string action)
    {
        if (session.Status != CanvassSessionStatus.Active)
            throw DomainException.Conflict($"The session is {EnumWireNames.ToWireName(session.Status)}; cannot {action}.",
                new Dictionary<string, string> { ["sessionStatus"] = EnumWireNames.ToWireName(session.Status) });
    }

    /// <summary>PostgreSQL keeps microseconds; the in-memory copy must equal what a reload would read.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);
}
