using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;

namespace ChangemakerLite.WebFrontend.Web;

/// <summary>One file of the web UI, kept in memory with its gzip form and its entity tag.</summary>
public sealed record WebAsset(string Path, string ContentType, byte[] Bytes, byte[]? Gzip, string ETag);

/// <summary>
/// The web UI's files (pages, scripts, styles, the vendored SignalR client and Leaflet), embedded in this assembly so
/// that a frontend serves them the same way whether it runs on its own or inside a silo, from any working folder.
/// Each is read and compressed once at start; text is answered gzip-compressed to browsers that accept it.
/// </summary>
public sealed class WebAssets
{
    private const string Prefix = "webui/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".webmanifest"] = "application/manifest+json; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
    };

    private readonly FrozenDictionary<string, WebAsset> _assets;

    public WebAssets()
    {
        var assembly = typeof(WebAssets).Assembly;
        var assets = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var path = name[Prefix.Length..].Replace('\\', '/');
            var bytes = Read(assembly, name);
            var type = ContentTypes.GetValueOrDefault(System.IO.Path.GetExtension(path), "application/octet-stream");
            // Images are compressed already; text shrinks to a fraction.
            var gzip = type.StartsWith("image/", StringComparison.Ordinal) && !type.Contains("svg") ? null : Compress(bytes);
            var hash = SHA256.HashData(bytes);
            whole.AppendData(hash);
            assets[path] = new WebAsset(path, type, bytes, gzip is not null && gzip.Length < bytes.Length ? gzip : null,
                $"\"{Convert.ToHexStringLower(hash.AsSpan(0, 12))}\"");
        }
        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
        Version = Convert.ToHexStringLower(whole.GetHashAndReset().AsSpan(0, 8));
    }

    /// <summary>Changes whenever any file changes: the service worker's cache is named after it.</summary>
    public string Version { get; }

    public IEnumerable<WebAsset> All => _assets.Values;

    public WebAsset? Find(string path) => _assets.GetValueOrDefault(path);

    public WebAsset Get(string path) => Find(path) ?? throw new InvalidOperationException($"The web UI file {path} is not embedded.");

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static byte[] Compress(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize)) gzip.Write(bytes);
        return output.ToArray();
    }
}
