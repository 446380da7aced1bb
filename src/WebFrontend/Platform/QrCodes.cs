using QRCoder;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>The one way QR codes are made: <c>GET /api/qr</c> and the walk sheets both call <see cref="Png"/>.</summary>
public static class QrCodes
{
    public const int MaxTextLength = 2000;
    public const int DefaultSize = 256;
    public const int MinSize = 64;
    public const int MaxSize = 1024;

    /// <summary>A PNG of <paramref name="text"/> (error correction Q, quiet zone on), about <paramref name="size"/> pixels wide.</summary>
    public static byte[] Png(string text, int size = DefaultSize)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.Q);
        var modules = data.ModuleMatrix.Count;
        using var png = new PngByteQRCode(data);
        return png.GetGraphic(Math.Max(1, size / modules), drawQuietZones: true);
    }
}
