using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace ChangemakerLite.Grains.Platform;

/// <summary>
/// Encrypts the secrets kept in the site settings (the SMTP password) with AES-256-GCM. The key is derived with
/// HKDF-SHA256 from <c>SETTINGS_ENCRYPTION_KEY</c> (at least 32 characters; deploy/run.sh generates one). A stored
/// value is <c>v1:</c> + base64(nonce ‖ ciphertext ‖ tag), with a fresh 12-byte nonce per value and the column's name
/// as associated data, so a value copied into another column does not decrypt. Without a key no secret can be stored.
/// </summary>
public sealed class SettingsEncryption
{
    public const string Setting = "SETTINGS_ENCRYPTION_KEY";
    private const string Prefix = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[]? _key;

    public SettingsEncryption(IConfiguration configuration) : this(configuration[Setting]) { }

    public SettingsEncryption(string? secret)
    {
        if (string.IsNullOrWhiteSpace(secret)) return;
        if (secret.Length < 32) throw new InvalidOperationException($"{Setting} must be at least 32 characters.");
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, info: Encoding.UTF8.GetBytes("changemaker-lite/site-settings/v1"));
    }

    public bool IsConfigured => _key is not null;

    public string Encrypt(string plaintext, string purpose)
    {
        if (_key is null) throw new InvalidOperationException($"{Setting} is not set, so no secret can be stored.");
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), Encoding.UTF8.GetBytes(purpose));
        return Prefix + Convert.ToBase64String(output);
    }

    /// <summary>The plaintext, or null when the value is not ours, was made under another key, or was altered.</summary>
    public string? TryDecrypt(string? stored, string purpose)
    {
        if (_key is null || stored is null || !stored.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        try
        {
            var data = Convert.FromBase64String(stored[Prefix.Length..]);
            if (data.Length < NonceSize + TagSize) return null;
            var plain = new byte[data.Length - NonceSize - TagSize];
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize, plain.Length), data.AsSpan(NonceSize + plain.Length), plain, Encoding.UTF8.GetBytes(purpose));
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }
    }
}
