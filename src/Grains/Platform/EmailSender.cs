using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MimeKit;
using Npgsql;

namespace ChangemakerLite.Grains.Platform;

/// <summary>
/// Delivers the outbox through MailKit. Every silo runs one; they share the table safely because a
/// sender takes a message by leasing it (FOR UPDATE SKIP LOCKED). Delivery is at most once: a message
/// is only retried when the failure proves the relay did not take it (it refused the connection or
/// answered with a temporary error). A lease that ran out means its sender died with the outcome
/// unknown; that message is marked failed for an admin to look at rather than risk a second copy.
/// </summary>
public sealed class EmailSender(
    NpgsqlDataSource db,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<EmailSender> logger) : BackgroundService
{
    private const int BatchSize = 20;
    private const int MaxAttempts = 10;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private readonly string _senderId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly TimeSpan _pollInterval = TimeSpan.FromMilliseconds(configuration.GetValue("EMAIL_POLL_MS", 1000));
    private readonly TimeSpan _firstRetryDelay = TimeSpan.FromSeconds(configuration.GetValue("EMAIL_RETRY_SECONDS", 5.0));
    private readonly SmtpSettings _configured = SmtpSettings.FromConfiguration(configuration);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var worked = false;
            try
            {
                await FailAbandonedLeases(stoppingToken);
                worked = await SendDueBatch(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Email outbox pass failed");
            }
            if (!worked)
            {
                try { await Task.Delay(_pollInterval, time, stoppingToken); } catch (OperationCanceledException) { }
            }
        }
    }

    private async Task FailAbandonedLeases(CancellationToken cancellationToken)
    {
        var failed = await db.Command("""
            UPDATE outbox_messages
            SET status = 'failed', locked_until = NULL, updated_at = @now,
                last_error = 'Delivery was interrupted; the outcome is unknown, so it is not retried automatically.'
            WHERE status = 'sending' AND locked_until < @now
            """, ("now", time.GetUtcNow())).ExecuteAsync(cancellationToken);
        if (failed > 0) logger.LogWarning("{Count} outbox messages were interrupted mid-delivery and marked failed", failed);
    }

    private async Task<bool> SendDueBatch(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var batch = await db.Command("""
            UPDATE outbox_messages m
            SET status = 'sending', locked_until = @leaseEnd, locked_by = @sender, attempts = attempts + 1, updated_at = @now
            FROM (SELECT id FROM outbox_messages
                  WHERE status = 'pending' AND next_attempt_at <= @now
                  ORDER BY next_attempt_at
                  LIMIT @batch
                  FOR UPDATE SKIP LOCKED) due
            WHERE m.id = due.id
            RETURNING m.id, m.to_address, m.to_name, m.subject, m.text_body, m.html_body, m.attempts
            """, ("leaseEnd", now + Lease), ("sender", _senderId), ("now", now), ("batch", BatchSize))
            .ListAsync(r => new Leased(r.Get<Guid>("id"), r.Get<string>("to_address"), r.GetOrNull<string>("to_name"),
                r.Get<string>("subject"), r.Get<string>("text_body"), r.GetOrNull<string>("html_body"), r.Get<int>("attempts")), cancellationToken);
        if (batch.Count == 0) return false;

        var settings = await _configured.WithSiteOverridesAsync(db, cancellationToken);
        using var client = new SmtpClient();
        try
        {
            await Connect(client, settings, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing of this batch reached the relay: all of it can safely wait and try again.
            foreach (var message in batch) await Retry(message, $"Could not connect to the SMTP server: {ex.GetType().Name}", cancellationToken);
            return false;
        }

        foreach (var message in batch)
        {
            var recipient = settings.TestMode && settings.TestRecipient is not null ? settings.TestRecipient : message.ToAddress;
            try
            {
                await client.SendAsync(Build(message, settings, recipient), cancellationToken);
            }
            catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 400 && (int)ex.StatusCode < 500)
            {
                await Retry(message, $"The SMTP server deferred the message ({(int)ex.StatusCode}).", cancellationToken);
                continue;
            }
            catch (SmtpCommandException ex)
            {
                await Fail(message, $"The SMTP server refused the message ({(int)ex.StatusCode}): {ex.Message}", cancellationToken);
                continue;
            }
            catch (Exception ex) when (ex is ServiceNotConnectedException or SmtpProtocolException or IOException)
            {
                // The connection broke; whether this one was taken is unknown, so it stays leased and the
                // abandoned-lease rule settles it. The rest of the batch was never attempted.
                logger.LogWarning("SMTP connection lost while sending message {Id}", message.Id);
                foreach (var untouched in batch.SkipWhile(m => m.Id != message.Id).Skip(1))
                    await Retry(untouched, "The SMTP connection was lost before this message was sent.", cancellationToken);
                return true;
            }
            await db.Command("""
                UPDATE outbox_messages SET status = 'sent', sent_at = @now, sent_to = @to, locked_until = NULL, last_error = NULL, updated_at = @now
                WHERE id = @id AND locked_by = @sender
                """, ("now", time.GetUtcNow()), ("to", recipient), ("id", message.Id), ("sender", _senderId)).ExecuteAsync(CancellationToken.None);
            Metrics.ChangemakerMetrics.Email("sent");
        }
        await client.DisconnectAsync(quit: true, cancellationToken);
        return true;
    }

    private static async Task Connect(SmtpClient client, SmtpSettings settings, CancellationToken cancellationToken)
    {
        client.Timeout = 30_000;
        var security = settings.UseTls ? SecureSocketOptions.Auto : SecureSocketOptions.None;
        // Nagle's algorithm off: SMTP writes a message's body and then its final "." line separately, and with Nagle
        // on the second write waits for the relay's delayed ACK, 40 ms a message, which capped delivery at ~22 a second.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(settings.Host, settings.Port, cancellationToken);
            await client.ConnectAsync(socket, settings.Host, settings.Port, security, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        if (settings.User is not null)
            await client.AuthenticateAsync(settings.User, settings.Password ?? "", cancellationToken);
    }

    private static MimeMessage Build(Leased message, SmtpSettings settings, string recipient)
    {
        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(settings.FromName, settings.FromAddress));
        mime.To.Add(new MailboxAddress(message.ToName ?? "", recipient));
        // A stable id lets a relay or a mailbox recognise the same message if it ever arrives twice.
        mime.MessageId = $"{message.Id:N}@changemaker.local";
        if (recipient != message.ToAddress) mime.Headers.Add("X-Original-To", message.ToAddress);
        mime.Subject = recipient != message.ToAddress ? $"[TEST for {message.ToAddress}] {message.Subject}" : message.Subject;
        var body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody };
        mime.Body = body.ToMessageBody();
        return mime;
    }

    private async Task Retry(Leased message, string error, CancellationToken cancellationToken)
    {
        if (message.Attempts >= MaxAttempts)
        {
            await Fail(message, $"Gave up after {message.Attempts} attempts. {error}", cancellationToken);
            return;
        }
        var delay = TimeSpan.FromTicks(Math.Min(_firstRetryDelay.Ticks * (1L << Math.Min(message.Attempts - 1, 12)), TimeSpan.FromHours(1).Ticks));
        await db.Command("""
            UPDATE outbox_messages SET status = 'pending', next_attempt_at = @next, last_error = @error, locked_until = NULL, updated_at = @now
            WHERE id = @id AND locked_by = @sender
            """, ("next", time.GetUtcNow() + delay), ("error", error), ("now", time.GetUtcNow()), ("id", message.Id), ("sender", _senderId))
            .ExecuteAsync(CancellationToken.None);
        Metrics.ChangemakerMetrics.Email("retried");
    }

    private async Task Fail(Leased message, string error, CancellationToken cancellationToken)
    {
        logger.LogWarning("Outbox message {Id} failed: {Error}", message.Id, error);
        await db.Command("""
            UPDATE outbox_messages SET status = 'failed', last_error = @error, locked_until = NULL, updated_at = @now
            WHERE id = @id AND locked_by = @sender
            """, ("error", error), ("now", time.GetUtcNow()), ("id", message.Id), ("sender", _senderId)).ExecuteAsync(CancellationToken.None);
        Metrics.ChangemakerMetrics.Email("failed");
    }

    private sealed record Leased(Guid Id, string ToAddress, string? ToName, string Subject, string TextBody, string? HtmlBody, int Attempts);
}
