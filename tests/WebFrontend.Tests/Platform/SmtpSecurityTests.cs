using ChangemakerLite.Grains.Platform;
using ChangemakerLite.Grains.Interfaces.Templates;
using ChangemakerLite.SmtpSink;
using ChangemakerLite.TestSupport;
using MailKit.Security;
using Microsoft.Extensions.Configuration;

namespace ChangemakerLite.WebFrontend.Tests.Platform;

/// <summary>SMTP is TLS unless the operator says otherwise, and credentials never travel in the clear.</summary>
public sealed class SmtpSecurityTests
{
    private static SmtpSettings Configured(params (string Key, string Value)[] values) =>
        SmtpSettings.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build());

    [Fact]
    public void Tls_is_the_default_and_required_whenever_there_are_credentials()
    {
        Assert.Equal(SecureSocketOptions.StartTls, SmtpDelivery.Security(Configured(("SMTP_HOST", "smtp.example.org"), ("SMTP_PORT", "587"))));
        Assert.Equal(SecureSocketOptions.SslOnConnect, SmtpDelivery.Security(Configured(("SMTP_PORT", "465"))));
        // Plain only when asked for, and only without a sign-in.
        Assert.Equal(SecureSocketOptions.None, SmtpDelivery.Security(Configured(("SMTP_SECURE", "false"))));
        Assert.Equal(SecureSocketOptions.StartTls,
            SmtpDelivery.Security(Configured(("SMTP_SECURE", "false"), ("SMTP_USER", "campaign"), ("SMTP_PASS", "secret"))));
        Assert.Equal(SecureSocketOptions.SslOnConnect,
            SmtpDelivery.Security(Configured(("SMTP_SECURE", "false"), ("SMTP_PORT", "465"), ("SMTP_USER", "campaign"))));
        // A site settings row that adds a user to a plain relay gets TLS required as well.
        Assert.Equal(SecureSocketOptions.StartTls, SmtpDelivery.Security(Configured(("SMTP_SECURE", "false")) with { User = "campaign" }));
    }

    [Fact]
    public async Task Credentials_are_not_sent_to_a_relay_that_offers_no_starttls()
    {
        await using var relay = new SmtpSinkServer(Ports.Free());
        await relay.StartAsync();
        var plain = Configured(("SMTP_HOST", "127.0.0.1"), ("SMTP_PORT", relay.Port.ToString()), ("SMTP_SECURE", "false"));
        var content = new RenderedEmail("Hello", "", "Plain body");

        // Without credentials the operator's explicit plain setting is honoured (a local development sink).
        await SmtpDelivery.SendNowAsync(plain, Guid.NewGuid(), "someone@example.org", null, content, CancellationToken.None);
        Assert.Single(relay.Messages);

        // With credentials it refuses before saying anything but EHLO.
        var withUser = plain with { User = "campaign", Password = "secret" };
        await Assert.ThrowsAsync<NotSupportedException>(() =>
            SmtpDelivery.SendNowAsync(withUser, Guid.NewGuid(), "someone@example.org", null, content, CancellationToken.None));
        Assert.Single(relay.Messages);
    }
}
