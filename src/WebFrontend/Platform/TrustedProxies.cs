using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// The reverse proxies (nginx, an ingress, a load balancer) whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>
/// headers are believed: <c>TRUSTED_PROXIES</c>, a list of addresses and CIDR networks, none by default. The
/// forwarded-headers middleware runs first in the pipeline and replaces the connection's remote address with the
/// client's, so every rule keyed on "the caller's address" (rate limits, upvote and reaction dedupe, <c>sender_ip</c>,
/// the metrics networks) reads <see cref="ConnectionInfo.RemoteIpAddress"/> and gets the client behind the proxy.
/// A request whose direct sender is not in the list keeps its own address, and its forwarded headers are ignored,
/// so nobody can choose their address by sending the header themselves.
/// </summary>
public static class TrustedProxies
{
    public const string Setting = "TRUSTED_PROXIES";

    /// <summary>Parses the list ("10.0.0.0/8, 192.168.1.10, ::1"); an entry that is neither an address nor a network stops the start.</summary>
    public static IReadOnlyList<IPNetwork> Parse(string? value) =>
        (value ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => IPNetwork.TryParse(entry, out var network)
                ? network
                : IPAddress.TryParse(entry, out var address)
                    ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
                    : throw new InvalidOperationException($"{Setting}: '{entry}' is not an address or a CIDR network."))
            .ToList();

    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        var networks = Parse(configuration[Setting]);
        services.AddSingleton(new TrustedProxyList(networks));
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework trusts loopback by default; here nothing is trusted unless the operator lists it.
            o.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the older list of networks is still consulted, and holds loopback by default
            o.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            o.KnownProxies.Clear();
            foreach (var network in networks)
            {
                o.KnownIPNetworks.Add(network);
                // An IPv4 proxy reached over a dual-stack socket appears as ::ffff:a.b.c.d.
                if (network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                    o.KnownIPNetworks.Add(new IPNetwork(network.BaseAddress.MapToIPv6(), network.PrefixLength + 96));
            }
            // A chain of trusted proxies (a CDN, then nginx) is walked from the right until the first untrusted hop.
            o.ForwardLimit = null;
            o.RequireHeaderSymmetry = false;
        });
        return services;
    }

    /// <summary>
    /// Honours forwarded headers from the trusted proxies, when there are any. With an empty list the middleware is not
    /// added at all: given no known proxies, ASP.NET Core's middleware would believe every sender.
    /// </summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<TrustedProxyList>().Networks.Count == 0 ? app : app.UseForwardedHeaders();
}

/// <summary>The parsed <c>TRUSTED_PROXIES</c>.</summary>
public sealed record TrustedProxyList(IReadOnlyList<IPNetwork> Networks);
