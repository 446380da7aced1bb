using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>Where a visited door is, and the rule that it lies in the session's cut (unless an admin allows otherwise).</summary>
public static class DoorLocator
{
    /// <summary>The door's position; a 400 naming addressId when it does not exist or (unless allowed) lies outside the cut.</summary>
    public static async Task<(double Latitude, double Longitude)> LocateAsync(NpgsqlDataSource db, CutAddressCache cuts, Guid? cutId,
        RecordVisitCommand command)
    {
        var cut = cutId is { } id ? await cuts.Get(id) : null;
        if (cut is not null && cut.DoorsInside.TryGetValue(command.AddressId, out var known)) return known;
        var address = await db.Command("""
            SELECT l.latitude::float8 AS latitude, l.longitude::float8 AS longitude
            FROM addresses a JOIN locations l ON l.id = a.location_id WHERE a.id = @id
            """, ("id", command.AddressId)).FirstOrDefaultAsync(r => (Latitude: r.Get<double>("latitude"), Longitude: r.Get<double>("longitude")));
        if (address == default) throw DomainException.Invalid("addressId", "No address has this id.");
        // A door added after the cut's doors were read is tested against the polygon here.
        if (!command.AllowOutsideCut && cut?.Area is { } area && !area.Contains(address.Latitude, address.Longitude))
            throw DomainException.Invalid("addressId", "The address lies outside the session's cut.");
        return address;
    }
}
