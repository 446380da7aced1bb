using ChangemakerLite.Grains.Interfaces.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Platform;

/// <summary>One message to send; <see cref="Kind"/> says which flow made it (for the admin's view of the queue).</summary>
public sealed record OutboundEmail(string Kind, string ToAddress, string? ToName, string Subject, string TextBody, string? HtmlBody = null);

/// <summary>
/// The only way the system sends mail: insert into outbox_messages inside the caller's transaction.
/// <see cref="EmailSender"/> delivers it after the transaction commits.
/// </summary>
public static class EmailOutbox
{
    public static async Task<Guid> EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, OutboundEmail email,
        CancellationToken cancellationToken = default)
    {
        var id = Ids.New();
        await connection.Command("""
            INSERT INTO outbox_messages (id, kind, to_address, to_name, subject, text_body, html_body)
            VALUES (@id, @kind, @to, @toName, @subject, @text, @html)
            """, transaction,
            ("id", id), ("kind", email.Kind), ("to", email.ToAddress), ("toName", email.ToName),
            ("subject", email.Subject), ("text", email.TextBody), ("html", email.HtmlBody))
            .ExecuteAsync(cancellationToken);
        Metrics.ChangemakerMetrics.Email("queued");
        return id;
    }
}
