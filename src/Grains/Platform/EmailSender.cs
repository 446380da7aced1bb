using System.Collections.Concurrent;
using System.Net.Sockets;
using ChangemakerLite.Grains.Interfaces.Templates;
using ChangemakerLite.Grains.Templates;
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
///
/// A sender delivers over <c>EMAIL_SMTP_CONNECTIONS</c> connections at once (lanes, 4 by default): it leases a
/// batch for all of them, and each lane takes the batch's next message, sends it on its own connection and marks it
/// sent before taking another, so each leased message is put on the wire by one lane, once. A relay answers each
/// message in a few round trips, so one connection spends most of its time waiting; several keep it busy. The
/// connections stay open while there is mail to send back to back and are closed when the outbox is empty. Messages
/// of one batch may reach the relay in any order.
///
/// A message names its template and variables; it is rendered here, just before it is sent, from the template as it
/// is then (see <see cref="TemplateRenderer"/> for the cache). A message that cannot be rendered (a required variable
/// missing, no such template, the template switched off) is marked failed with that reason and logged; nothing half
/// rendered is ever sent. The rendered subject and bodies are stored with the sent message for the admin's view.
/// </summary>
public sealed class EmailSender(
    NpgsqlDataSource db,
    IConfiguration configuration,
    TimeProvider time,
    TemplateRenderer renderer,
    SettingsEncryption encryption,
    ILogger<EmailSender> logger) : BackgroundService
{
    private const int BatchSizePerConnection = 20;
    private const int MaxAttempts = 10;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private readonly string _senderId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly TimeSpan _pollInterval = TimeSpan.FromMilliseconds(configuration.GetValue("EMAIL_POLL_MS", 1000));
    private readonly TimeSpan _firstRetryDelay = TimeSpan.FromSeconds(configuration.GetValue("EMAIL_RETRY_SECONDS", 5.0));
    private readonly SmtpSettings _configured = SmtpSettings.FromConfiguration(configuration);
    private readonly TimeSpan _retention = TimeSpan.FromDays(configuration.GetValue("EMAIL_OUTBOX_RETENTION_DAYS", 30.0));
    private readonly TimeSpan _purgePeriod = TimeSpan.FromSeconds(configuration.GetValue("EMAIL_OUTBOX_PURGE_SECONDS", 3600.0));
    private DateTimeOffset _lastPurge = DateTimeOffset.MinValue;
    private readonly SmtpLane[] _lanes = Enumerable.Range(0, Math.Clamp(configuration.GetValue("EMAIL_SMTP_CONNECTIONS", 4), 1, 32))
        .Select(_ => new SmtpLane()).ToArray();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var worked = false;
                try
                {
                    await FailAbandonedLeases(stoppingToken);
                    await PurgeOld(stoppingToken);
                    worked = await SendDueBatch(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Email outbox pass failed");
                }
                if (!worked)
                {
                    // Nothing due: the relay's connections are not held open while the outbox is empty.
                    await CloseLanes();
                    try { await Task.Delay(_pollInterval, time, stoppingToken); } catch (OperationCanceledException) { }
                }
            }
        }
        finally
        {
            await CloseLanes();
        }
    }

    private async Task FailAbandonedLeases(CancellationToken cancellationToken)
    {
        var failed = await db.Command("""
            UPDATE outbox_messages
            SET status = 'failed', locked_until = NULL, updated_at = @now,
                last_error = 'Delivery was interrupted; the outcome is unknown, so it is not retried automatically.',
                template_data = CASE WHEN template_key = ANY(@secretTemplates) THEN template_data - @secretNames ELSE template_data END
            WHERE status = 'sending' AND locked_until < @now
            """, ("now", time.GetUtcNow()), ("secretTemplates", EmailOutbox.SecretTemplates), ("secretNames", EmailOutbox.SecretNames))
            .ExecuteAsync(cancellationToken);
        if (failed > 0) logger.LogWarning("{Count} outbox messages were interrupted mid-delivery and marked failed", failed);
    }

    /// <summary>
    /// Delivered and failed messages are deleted <c>EMAIL_OUTBOX_RETENTION_DAYS</c> after they were written (checked every
    /// <c>EMAIL_OUTBOX_PURGE_SECONDS</c>); a message still waiting to be sent is never deleted.
    /// </summary>
    private async Task PurgeOld(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _lastPurge < _purgePeriod) return;
        _lastPurge = now;
        var purged = await db.Command("""
            DELETE FROM outbox_messages WHERE status IN ('sent', 'failed') AND created_at < @before
            """, ("before", now - _retention)).ExecuteAsync(cancellationToken);
        if (purged > 0) logger.LogInformation("Purged {Count} outbox messages older than {Days} days", purged, _retention.TotalDays);
    }

    private async Task<bool> SendDueBatch(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // Each message is leased with its template's current id and version, so the renderer knows in the same round
        // trip whether its compilation is still the template's.
        var batch = await db.Command("""
            UPDATE outbox_messages m
            SET status = 'sending', locked_until = @leaseEnd, locked_by = @sender, attempts = attempts + 1, updated_at = @now
            FROM (SELECT o.id, t.id AS template_id, t.version AS template_version
                  FROM outbox_messages o LEFT JOIN email_templates t ON t.key = o.template_key
                  WHERE o.status = 'pending' AND o.next_attempt_at <= @now
                  ORDER BY o.next_attempt_at
                  LIMIT @batch
                  FOR UPDATE OF o SKIP LOCKED) due
            WHERE m.id = due.id
            RETURNING m.id, m.to_address, m.to_name, m.subject, m.text_body, m.html_body, m.attempts, m.template_key, m.template_data::text AS template_data,
                      due.template_id, due.template_version, m.next_attempt_at
            """, ("leaseEnd", now + Lease), ("sender", _senderId), ("now", now), ("batch", BatchSizePerConnection * _lanes.Length))
            .ListAsync(r => new Leased(r.Get<Guid>("id"), r.Get<string>("to_address"), r.GetOrNull<string>("to_name"),
                r.GetOrNull<string>("subject"), r.GetOrNull<string>("text_body"), r.GetOrNull<string>("html_body"), r.Get<int>("attempts"),
                r.GetOrNull<string>("template_key"), r.GetOrNull<string>("template_data"), r.GetValueOrNull<Guid>("template_id"),
                r.GetValueOrNull<int>("template_version"), r.Get<DateTimeOffset>("next_attempt_at")), CancellationToken.None);
        if (batch.Count == 0) return false;
        // RETURNING does not keep the lease's order; the lanes take the oldest first.
        batch = batch.OrderBy(m => m.NextAttemptAt).ToList();

        // From here a stop is not obeyed mid-step: a leased batch is either attempted or handed back, never left leased.

        var rendered = new Dictionary<Guid, RenderedEmail>();
        // What is stored of a message that carried a secret: rendered again without it, and its variables without it.
        var kept = new Dictionary<Guid, (RenderedEmail? Content, string Data)>();
        foreach (var message in batch)
        {
            if (message.TemplateKey is null)
            {
                // Written before messages named their template: sent as it was rendered then.
                rendered[message.Id] = new RenderedEmail(message.Subject ?? "", message.HtmlBody ?? "", message.TextBody ?? "");
                continue;
            }
            try
            {
                var template = await renderer.GetAsync(message.TemplateKey, message.TemplateId, message.TemplateVersion, CancellationToken.None);
                if (!template.Source.IsActive) throw new TemplateRenderException($"The email template '{message.TemplateKey}' is switched off.");
                rendered[message.Id] = TemplateRenderer.Render(template, TemplateRenderer.ParseData(message.TemplateData));
                if (EmailOutbox.RedactData(message.TemplateKey, message.TemplateData) is { } redacted)
                    kept[message.Id] = (RenderKept(template, redacted), redacted);
            }
            catch (Exception ex) when (ex is TemplateRenderException or TemplateSyntaxException or HandlebarsDotNet.HandlebarsException)
            {
                await Fail(message, $"Not sent: {ex.Message}", CancellationToken.None);
            }
        }
        batch = batch.Where(m => rendered.ContainsKey(m.Id)).ToList();
        if (batch.Count == 0) return true;

        var settings = await _configured.WithSiteOverridesAsync(db, encryption, CancellationToken.None);
        var queue = new ConcurrentQueue<Leased>(batch);
        var lanes = _lanes.Take(Math.Max(1, (batch.Count + BatchSizePerConnection - 1) / BatchSizePerConnection)).ToList();
        await Task.WhenAll(lanes.Select(lane => Task.Run(() => Deliver(lane, queue, rendered, kept, settings, cancellationToken), CancellationToken.None)));

        // What no lane took: stopping, it goes back to the table untouched for another sender; otherwise no lane could
        // reach the relay (or every connection broke), and nothing of it reached the relay, so it waits and tries again.
        var untaken = queue.ToList();
        if (untaken.Count == 0) return true;
        if (cancellationToken.IsCancellationRequested)
        {
            await Release(untaken);
            return true;
        }
        var reason = lanes.Select(l => l.LastError).LastOrDefault(e => e is not null) ?? "No SMTP connection was available.";
        foreach (var message in untaken) await Retry(message, reason, cancellationToken);
        return lanes.Any(l => l.Client is not null);
    }

    /// <summary>One lane: takes the batch's next message, sends it on the lane's connection and records the outcome, until none is left.</summary>
    private async Task Deliver(SmtpLane lane, ConcurrentQueue<Leased> queue, Dictionary<Guid, RenderedEmail> rendered,
        Dictionary<Guid, (RenderedEmail? Content, string Data)> kept, SmtpSettings settings,
        CancellationToken cancellationToken)
    {
        lane.LastError = null;
        if (queue.IsEmpty || cancellationToken.IsCancellationRequested) return;
        if (lane.Client is null || !lane.Client.IsConnected || lane.Settings != settings)
        {
            await lane.Close();
            var client = new SmtpClient();
            try
            {
                await SmtpDelivery.ConnectAsync(client, settings, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // This lane takes nothing: the other lanes send the batch, or, if none can connect, it waits and tries again.
                client.Dispose();
                lane.LastError = $"Could not connect to the SMTP server: {ex.GetType().Name}";
                return;
            }
            lane.Client = client;
            lane.Settings = settings;
        }

        // A stop lets the message on the wire finish; the messages not yet taken stay in the queue and are handed back.
        while (!cancellationToken.IsCancellationRequested && queue.TryDequeue(out var message))
        {
            var content = rendered[message.Id];
            var mime = SmtpDelivery.Build(message.Id, message.ToAddress, message.ToName, content, settings, out var recipient);
            try
            {
                // The message on the wire is finished (or fails) even when stopping, so its outcome is always recorded.
                await lane.Client.SendAsync(mime, CancellationToken.None);
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
                // The connection broke; whether this one was taken is unknown, so it stays leased and the abandoned-lease
                // rule settles it. The lane stops; the messages it did not take are left to the other lanes.
                logger.LogWarning("SMTP connection lost while sending message {Id}", message.Id);
                lane.LastError = "The SMTP connection was lost before this message was sent.";
                await lane.Close(quit: false);
                return;
            }
            var stored = content;
            string? storedData = null;
            if (kept.TryGetValue(message.Id, out var withoutSecrets))
            {
                stored = withoutSecrets.Content ?? new RenderedEmail(content.Subject, "", EmailOutbox.RemovedSecret);
                storedData = withoutSecrets.Data;
            }
            await db.Command("""
                UPDATE outbox_messages SET status = 'sent', sent_at = @now, sent_to = @to, locked_until = NULL, last_error = NULL, updated_at = @now,
                                           subject = @subject, text_body = @text, html_body = @html,
                                           template_data = COALESCE(@data::jsonb, template_data)
                WHERE id = @id AND locked_by = @sender
                """, ("now", time.GetUtcNow()), ("to", recipient), ("id", message.Id), ("sender", _senderId),
                ("subject", stored.Subject), ("text", stored.Text), ("html", NullIfEmpty(stored.Html)), ("data", storedData))
                .ExecuteAsync(CancellationToken.None);
            Metrics.ChangemakerMetrics.Email("sent");
        }
    }

    private async Task CloseLanes()
    {
        foreach (var lane in _lanes) await lane.Close();
    }

    /// <summary>A stopping silo waits for its sender to finish the messages on the wire and hand back the rest of its batch.</summary>
    public override Task StopAsync(CancellationToken cancellationToken) => base.StopAsync(CancellationToken.None);

    private async Task Release(IReadOnlyList<Leased> untouched)
    {
        if (untouched.Count == 0) return;
        await db.Command("""
            UPDATE outbox_messages SET status = 'pending', attempts = attempts - 1, locked_until = NULL, last_error = NULL, updated_at = @now
            WHERE id = ANY(@ids) AND locked_by = @sender AND status = 'sending'
            """, ("now", time.GetUtcNow()), ("ids", untouched.Select(m => m.Id).ToArray()), ("sender", _senderId)).ExecuteAsync(CancellationToken.None);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>The message as an admin may see it once delivered; null if it does not render without its secrets.</summary>
    private RenderedEmail? RenderKept(CompiledTemplate template, string redactedData)
    {
        try
        {
            return TemplateRenderer.Render(template, TemplateRenderer.ParseData(redactedData));
        }
        catch (Exception ex) when (ex is TemplateRenderException or HandlebarsDotNet.HandlebarsException)
        {
            logger.LogDebug(ex, "A delivered message is stored without its bodies");
            return null;
        }
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
        // A message that failed for good is not sent again automatically: its secrets go now.
        await db.Command("""
            UPDATE outbox_messages SET status = 'failed', last_error = @error, locked_until = NULL, updated_at = @now,
                                       template_data = COALESCE(@data::jsonb, template_data)
            WHERE id = @id AND locked_by = @sender
            """, ("error", error), ("now", time.GetUtcNow()), ("id", message.Id), ("sender", _senderId),
            ("data", EmailOutbox.RedactData(message.TemplateKey, message.TemplateData))).ExecuteAsync(CancellationToken.None);
        Metrics.ChangemakerMetrics.Email("failed");
    }

    private sealed record Leased(Guid Id, string ToAddress, string? ToName, string? Subject, string? TextBody, string? HtmlBody, int Attempts,
        string? TemplateKey, string? TemplateData, Guid? TemplateId, int? TemplateVersion, DateTimeOffset NextAttemptAt);

    /// <summary>One of the sender's SMTP connections, kept open between batches while mail is due.</summary>
    private sealed class SmtpLane
    {
        public SmtpClient? Client;
        public SmtpSettings? Settings;
        public string? LastError;

        public async Task Close(bool quit = true)
        {
            if (Client is not { } client) return;
            Client = null;
            Settings = null;
            try
            {
                if (quit && client.IsConnected) await client.DisconnectAsync(quit: true, CancellationToken.None);
            }
            catch (Exception ex) when (ex is IOException or SmtpProtocolException or ServiceNotConnectedException or SmtpCommandException)
            {
                // The relay went away first: nothing to say goodbye to.
            }
            finally
            {
                client.Dispose();
            }
        }
    }
}

/// <summary>The SMTP side shared by the outbox sender and the test sends of templates and settings: one way to connect, one way to build a message.</summary>
public static class SmtpDelivery
{
    public static async Task ConnectAsync(SmtpClient client, SmtpSettings settings, CancellationToken cancellationToken, int timeoutMs = 30_000)
    {
        client.Timeout = timeoutMs;
        var security = Security(settings);
        // Nagle's algorithm off: SMTP writes a message's body and then its final "." line separately, and with Nagle
        // on the second write waits for the relay's delayed ACK, 40 ms a message, which capped delivery at ~22 a second.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(timeoutMs);
            await socket.ConnectAsync(settings.Host, settings.Port, connectTimeout.Token);
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

    /// <summary>
    /// How the connection is secured. TLS unless <c>SMTP_SECURE=false</c>: implicit TLS on port 465, otherwise STARTTLS,
    /// required (a relay that does not offer it is refused, never fallen back from). Credentials are never sent in the
    /// clear: with a user set, TLS is required whatever <c>SMTP_SECURE</c> says. Plain SMTP is only for a relay without
    /// sign-in that the operator chose explicitly, such as a local development sink.
    /// </summary>
    public static SecureSocketOptions Security(SmtpSettings settings) =>
        !settings.UseTls && settings.User is null ? SecureSocketOptions.None
        : settings.Port == 465 ? SecureSocketOptions.SslOnConnect
        : SecureSocketOptions.StartTls;

    /// <summary>
    /// The message as sent: in email test mode it goes to the test recipient instead, its subject marked and the
    /// intended address kept in X-Original-To.
    /// </summary>
    public static MimeMessage Build(Guid id, string toAddress, string? toName, RenderedEmail content, SmtpSettings settings, out string recipient)
    {
        recipient = settings.TestMode && settings.TestRecipient is not null ? settings.TestRecipient : toAddress;
        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(settings.FromName, settings.FromAddress));
        mime.To.Add(new MailboxAddress(toName ?? "", recipient));
        // A stable id lets a relay or a mailbox recognise the same message if it ever arrives twice.
        mime.MessageId = $"{id:N}@changemaker.local";
        if (recipient != toAddress) mime.Headers.Add("X-Original-To", toAddress);
        mime.Subject = recipient != toAddress ? $"[TEST for {toAddress}] {content.Subject}" : content.Subject;
        var body = new BodyBuilder { TextBody = content.Text, HtmlBody = content.Html.Length == 0 ? null : content.Html };
        mime.Body = body.ToMessageBody();
        return mime;
    }

    /// <summary>Connects, sends one message and answers the server's reply to it; SMTP errors are thrown as MailKit raises them.</summary>
    public static async Task<string> SendNowAsync(SmtpSettings settings, Guid id, string toAddress, string? toName, RenderedEmail content,
        CancellationToken cancellationToken)
    {
        using var client = new SmtpClient();
        await ConnectAsync(client, settings, cancellationToken, timeoutMs: 15_000);
        var reply = await client.SendAsync(Build(id, toAddress, toName, content, settings, out _), cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        return reply;
    }

    /// <summary>What went wrong, in the words of the SMTP server where it answered, for an admin to read.</summary>
    public static (string Message, int? StatusCode) Describe(Exception ex) => ex switch
    {
        SmtpCommandException command => ($"The SMTP server answered {(int)command.StatusCode}: {command.Message}", (int)command.StatusCode),
        SmtpProtocolException protocol => ($"The SMTP server broke the protocol: {protocol.Message}", null),
        AuthenticationException auth => ($"The SMTP server refused the sign-in: {auth.Message}", null),
        SocketException socket => ($"Could not connect to the SMTP server: {socket.SocketErrorCode} ({socket.Message})", null),
        OperationCanceledException => ("The SMTP server did not answer in time.", null),
        _ => ($"{ex.GetType().Name}: {ex.Message}", null),
    };
}
