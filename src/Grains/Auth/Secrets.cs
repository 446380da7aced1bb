using System.Security.Cryptography;
using System.Text;

namespace ChangemakerLite.Grains.Auth;

/// <summary>
/// Random tokens handed to users (refresh, verification, reset) and how they are stored: only a
/// SHA-256 of the token is kept, so a leaked database does not leak usable tokens. The tokens carry
/// 256 bits of entropy, which is why a fast hash is enough here (unlike passwords).
/// </summary>
public static class Secrets
{
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>A password a person can read out and type, that meets the policy (for TEMP volunteers and the first admin).</summary>
    public static string NewReadablePassword()
    {
        const string upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
        const string lower = "abcdefghijkmnpqrstuvwxyz";
        const string digits = "23456789";
        var chars = new char[16];
        for (var i = 0; i < chars.Length; i++)
        {
            var set = (i % 4) switch { 0 => upper, 1 or 2 => lower, _ => digits };
            chars[i] = set[RandomNumberGenerator.GetInt32(set.Length)];
        }
        return $"{new string(chars, 0, 4)}-{new string(chars, 4, 4)}-{new string(chars, 8, 4)}-{new string(chars, 12, 4)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>bcrypt with cost 12 (the original system's setting); verifying against a dummy hash keeps unknown emails as slow as known ones.</summary>
public static class Passwords
{
    public const int WorkFactor = 12;
    private static readonly Lazy<string> DummyHash = new(() => BCrypt.Net.BCrypt.HashPassword(NewDummy(), WorkFactor));

    public static string Hash(string password) => BCrypt.Net.BCrypt.HashPassword(password, WorkFactor);

    public static bool Verify(string password, string? hash)
    {
        if (hash is null)
        {
            BCrypt.Net.BCrypt.Verify(password, DummyHash.Value);
            return false;
        }
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
    }

    private static string NewDummy() => Secrets.NewToken();
}
