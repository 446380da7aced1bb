using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>Great-circle distances, the same formula the original system used for walked distance.</summary>
public static class Haversine
{
    public const double EarthRadiusMeters = 6_371_008.8;

    public static double Meters(double lat1, double lng1, double lat2, double lng2)
    {
        var dLat = ToRadians(lat2 - lat1);
        var dLng = ToRadians(lng2 - lng1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) +
                Math.Cos(ToRadians(lat1)) * Math.Cos(ToRadians(lat2)) * Math.Sin(dLng / 2) * Math.Sin(dLng / 2);
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    public static double ToRadians(double degrees) => degrees * Math.PI / 180;
}

/// <summary>
/// A cut's GeoJSON area (Polygon or MultiPolygon, bare or inside a Feature / FeatureCollection) with an
/// even-odd point-in-polygon test that honours holes, plus its bounding box for the SQL prefilter.
/// </summary>
public sealed class CutArea
{
    private readonly List<List<(double Lng, double Lat)[]>> _polygons;

    private CutArea(List<List<(double Lng, double Lat)[]>> polygons)
    {
        _polygons = polygons;
        var all = polygons.SelectMany(p => p).SelectMany(r => r).ToList();
        MinLat = all.Min(p => p.Lat);
        MaxLat = all.Max(p => p.Lat);
        MinLng = all.Min(p => p.Lng);
        MaxLng = all.Max(p => p.Lng);
    }

    public double MinLat { get; }
    public double MaxLat { get; }
    public double MinLng { get; }
    public double MaxLng { get; }
    public double CenterLat => (MinLat + MaxLat) / 2;
    public double CenterLng => (MinLng + MaxLng) / 2;

    public static CutArea Parse(string geoJson)
    {
        try
        {
            using var document = JsonDocument.Parse(geoJson);
            var polygons = new List<List<(double, double)[]>>();
            Collect(document.RootElement, polygons);
            if (polygons.Count == 0 || polygons.Any(p => p.Count == 0 || p[0].Length < 3))
                throw DomainException.Invalid("geojson", "The cut has no polygon.");
            return new CutArea(polygons);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw DomainException.Invalid("geojson", "The cut's GeoJSON is not a polygon.");
        }
    }

    private static void Collect(JsonElement element, List<List<(double, double)[]>> polygons)
    {
        switch (element.GetProperty("type").GetString())
        {
            case "Feature":
                Collect(element.GetProperty("geometry"), polygons);
                break;
            case "FeatureCollection":
                foreach (var feature in element.GetProperty("features").EnumerateArray()) Collect(feature, polygons);
                break;
            case "Polygon":
                polygons.Add(Rings(element.GetProperty("coordinates")));
                break;
            case "MultiPolygon":
                foreach (var polygon in element.GetProperty("coordinates").EnumerateArray()) polygons.Add(Rings(polygon));
                break;
        }
    }

    private static List<(double, double)[]> Rings(JsonElement rings) =>
        rings.EnumerateArray()
            .Select(ring => ring.EnumerateArray().Select(p => (p[0].GetDouble(), p[1].GetDouble())).ToArray())
            .ToList();

    public bool Contains(double latitude, double longitude)
    {
        if (latitude < MinLat || latitude > MaxLat || longitude < MinLng || longitude > MaxLng) return false;
        foreach (var rings in _polygons)
        {
            // Inside the outer ring and outside every hole: an even-odd count over all rings does exactly that.
            var inside = false;
            foreach (var ring in rings)
                if (InRing(ring, latitude, longitude)) inside = !inside;
            if (inside) return true;
        }
        return false;
    }

    private static bool InRing((double Lng, double Lat)[] ring, double lat, double lng)
    {
        var inside = false;
        for (int i = 0, j = ring.Length - 1; i < ring.Length; j = i++)
        {
            var (xi, yi) = ring[i];
            var (xj, yj) = ring[j];
            if ((yi > lat) != (yj > lat) && lng < (xj - xi) * (lat - yi) / (yj - yi) + xi) inside = !inside;
        }
        return inside;
    }
}
