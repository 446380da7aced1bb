using System.Net.Sockets;

namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>
/// Infrastructure a grain needs was briefly unreachable (PostgreSQL restarting, a dropped connection, a timeout):
/// nothing was committed, and the same request may be repeated. Silos turn such failures into this one serializable
/// exception at every grain boundary (Npgsql's own exceptions do not cross the wire); frontends answer it with 503
/// and <c>Retry-After</c>.
/// </summary>
[GenerateSerializer, Alias("cml.platform.ServiceUnavailableException")]
public sealed class ServiceUnavailableException : Exception
{
    public ServiceUnavailableException(string message) : base(message)
    {
    }

    /// <summary>
    /// Whether <paramref name="exception"/> (or one it wraps) is a transient infrastructure failure. Npgsql says which
    /// of its errors are transient (<c>IsTransient</c>: I/O, timeouts, server shutting down or starting); a constraint
    /// violation or a syntax error is not, and stays an error.
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ServiceUnavailableException or SocketException or TimeoutException) return true;
            if (e is System.Data.Common.DbException db) return db.IsTransient;
            if (e is AggregateException { InnerExceptions.Count: 1 } aggregate) return IsTransient(aggregate.InnerExceptions[0]);
        }
        return false;
    }
}
