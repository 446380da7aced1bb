namespace ChangemakerLite.Grains.Map;

/// <summary>
/// EPSG:3347 "NAD83 / Statistics Canada Lambert" (Lambert Conformal Conic, two standard parallels, GRS80),
/// the projection of the NAR address file's BG_X/BG_Y. Used when a location row has no latitude/longitude,
/// so that every address with a building point still lands on the map. NAD83 is treated as WGS84: the
/// difference is about a metre, well below what a canvasser needs.
/// </summary>
public static class StatCanLambert
{
    private const double A = 6378137.0;
    private const double InverseFlattening = 298.257222101;
    private const double FalseEasting = 6200000.0;
    private const double FalseNorthing = 3000000.0;
    private static readonly double E;
    private static readonly double N;
    private static readonly double AF;
    private static readonly double Rho0;
    private static readonly double Lambda0 = Radians(-91.86666666666667);

    static StatCanLambert()
    {
        var f = 1 / InverseFlattening;
        E = Math.Sqrt(2 * f - f * f);
        double phi1 = Radians(49), phi2 = Radians(77), phi0 = Radians(63.390675);
        double m1 = M(phi1), m2 = M(phi2), t1 = T(phi1), t2 = T(phi2), t0 = T(phi0);
        N = (Math.Log(m1) - Math.Log(m2)) / (Math.Log(t1) - Math.Log(t2));
        AF = A * m1 / (N * Math.Pow(t1, N));
        Rho0 = AF * Math.Pow(t0, N);
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;
    private static double Degrees(double radians) => radians * 180 / Math.PI;
    private static double M(double phi) => Math.Cos(phi) / Math.Sqrt(1 - E * E * Math.Sin(phi) * Math.Sin(phi));

    private static double T(double phi)
    {
        var eSin = E * Math.Sin(phi);
        return Math.Tan(Math.PI / 4 - phi / 2) / Math.Pow((1 - eSin) / (1 + eSin), E / 2);
    }

    public static (double Latitude, double Longitude) ToLatLng(double x, double y)
    {
        var dx = x - FalseEasting;
        var dy = Rho0 - (y - FalseNorthing);
        var rho = Math.Sign(N) * Math.Sqrt(dx * dx + dy * dy);
        var t = Math.Pow(rho / AF, 1 / N);
        var theta = Math.Atan2(dx, dy);
        var lambda = theta / N + Lambda0;
        var phi = Math.PI / 2 - 2 * Math.Atan(t);
        for (var i = 0; i < 10; i++)
        {
            var eSin = E * Math.Sin(phi);
            var next = Math.PI / 2 - 2 * Math.Atan(t * Math.Pow((1 - eSin) / (1 + eSin), E / 2));
            if (Math.Abs(next - phi) < 1e-12) { phi = next; break; }
            phi = next;
        }
        return (Degrees(phi), Degrees(lambda));
    }

    public static (double X, double Y) FromLatLng(double latitude, double longitude)
    {
        var rho = AF * Math.Pow(T(Radians(latitude)), N);
        var theta = N * (Radians(longitude) - Lambda0);
        return (FalseEasting + rho * Math.Sin(theta), FalseNorthing + Rho0 - rho * Math.Cos(theta));
    }
}
