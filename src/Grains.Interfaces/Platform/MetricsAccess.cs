using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>
/// Who may scrape <c>/metrics</c>, on a frontend and on a silo's metrics port alike: a request from an address
/// inside one of <c>METRICS_ALLOWED_NETWORKS</c> (loopback by default), or one carrying <c>METRICS_TOKEN</c> as a
/// bearer token. Everything else is refused: 401 when a token is configured (presenting it would help), else 403.
/// </summary>
public sealed record MetricsAccess(IReadOnlyList<IPNetwork> AllowedNetworks, string? Token)
{
    public const string DefaultNetworks = "127.0.0.0/8,::1/128";

    /// <param name="setting">Reads a setting by name (an <c>IConfiguration</c> indexer).</param>
    public static MetricsAccess From(Func<string, string?> setting)
    {
        var networks = (setting("METRICS_ALLOWED_NETWORKS") ?? DefaultNetworks)
            .Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries)
            .Select(n => IPNetwork.TryParse(n, out var parsed)
                ? parsed
                : IPAddress.TryParse(n, out var single)
                    ? new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
                    : throw new InvalidOperationException($"METRICS_ALLOWED_NETWORKS: '{n}' is not an address or a CIDR network."))
            .ToList();
        var token = setting("METRICS_TOKEN");
        if (token is not null && token.Length < 16)
            throw new InvalidOperationException("METRICS_TOKEN must be at least 16 characters (or unset).");
        return new MetricsAccess(networks, string.IsNullOrEmpty(token) ? null : token);
    }

    /// <summary>Null when the scrape is allowed, else the status code to answer (401 or 403).</summary>
    public int? Refusal(IPAddress? remote, string? authorizationHeader)
    {
        if (Token is not null && authorizationHeader is not null
            && authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorizationHeader[7..].Trim()), Encoding.UTF8.GetBytes(Token)))
            return null;
        if (remote is not null)
        {
            var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
            if (AllowedNetworks.Any(n => n.Contains(address))) return null;
        }
        return Token is null ? 403 : 401;
    }
}
