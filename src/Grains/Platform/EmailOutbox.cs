using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Platform;

/// <summary>
/// One message to send: the key of the email template to render, its recipient, and the template's variables
/// (<see cref="Data"/>: strings, numbers, booleans, lists or nested objects, stored as JSON). The message is rendered
/// when it is sent, from the template as it is then (<see cref="EmailSender"/>); a required variable missing from
/// <see cref="Data"/> fails the message with that reason, and nothing half rendered is sent.
/// </summary>
public sealed record OutboundEmail(string TemplateKey, string ToAddress, string? ToName, IReadOnlyDictionary<string, object?> Data);

/// <summary>
/// The only way the system sends mail: insert into outbox_messages inside the caller's transaction, so the mail
/// exists if and only if the write that causes it committed. <see cref="EmailSender"/> delivers it afterwards.
/// Every insert into the outbox is <see cref="InsertSql"/>; the methods below are its three ways in.
/// </summary>
public static class EmailOutbox
{
    private static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = null, DictionaryKeyPolicy = null };

    /// <summary>
    /// The one INSERT into the outbox, from a row source with the columns
    /// <c>(id uuid, template_key text, to_address text, to_name text, template_data text)</c>, the last one JSON.
    /// </summary>
    public static string InsertSql(string rows) => $"""
        INSERT INTO outbox_messages (id, kind, to_address, to_name, template_key, template_data)
        SELECT m.id, m.template_key, m.to_address, m.to_name, m.template_key, m.template_data::jsonb FROM {rows}
        """;

    /// <summary>One message, in the caller's transaction.</summary>
    public static async Task<Guid> EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, OutboundEmail email,
        CancellationToken cancellationToken = default)
    {
        var id = Ids.New();
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { EnqueueCommand([email], [id]) } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        Metrics.ChangemakerMetrics.Email("queued");
        return id;
    }

    /// <summary>Many messages in one statement (a cancelled shift may have thousands of volunteers), in the caller's transaction.</summary>
    public static async Task EnqueueManyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<OutboundEmail> emails,
        CancellationToken cancellationToken = default)
    {
        if (emails.Count == 0) return;
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { EnqueueCommand(emails) } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        Metrics.ChangemakerMetrics.Email("queued", emails.Count);
    }

    /// <summary>The insert as a command, to send in one batch with the change that causes the mail.</summary>
    public static NpgsqlBatchCommand EnqueueCommand(IReadOnlyList<OutboundEmail> emails, IReadOnlyList<Guid>? ids = null)
    {
        var command = new NpgsqlBatchCommand(InsertSql("unnest(@mailIds, @mailKeys, @mailTos, @mailNames, @mailData) AS m(id, template_key, to_address, to_name, template_data)"));
        command.Parameters.AddWithValue("mailIds", (ids ?? emails.Select(_ => Ids.New()).ToList()).ToArray());
        command.Parameters.AddWithValue("mailKeys", emails.Select(e => e.TemplateKey).ToArray());
        command.Parameters.AddWithValue("mailTos", emails.Select(e => e.ToAddress).ToArray());
        command.Parameters.AddWithValue("mailNames", emails.Select(e => e.ToName).ToArray());
        command.Parameters.AddWithValue("mailData", emails.Select(e => SerializeData(e.Data)).ToArray());
        return command;
    }

    /// <summary>What a delivered message keeps of each secret variable.</summary>
    public const string RemovedSecret = "[removed after delivery]";

    /// <summary>
    /// The variables that carry a secret, per template: a link that signs in, verifies or resets, a TEMP account's
    /// password. They are kept only until the message is delivered (or has failed for good): the sender then stores the
    /// message rendered with <see cref="RemovedSecret"/> in their place and the variables without them, so the outbox
    /// never becomes a store of working links and passwords. A template that starts carrying a secret is added here.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> SecretVariables = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [Auth.AuthEmails.VerificationTemplate] = ["VERIFY_URL"],
        [Auth.AuthEmails.PasswordResetTemplate] = ["RESET_URL"],
        [Shifts.ShiftEmails.SignupConfirmedTemplate] = ["TEMP_PASSWORD"],
        [Influence.InfluenceEmails.ResponseVerificationKind] = ["VERIFY_URL", "REPORT_URL"],
    };

    /// <summary>Every template that may carry a secret, and every secret variable name, for SQL that strips them in bulk.</summary>
    public static readonly string[] SecretTemplates = [.. SecretVariables.Keys];
    public static readonly string[] SecretNames = [.. SecretVariables.Values.SelectMany(v => v).Distinct()];

    /// <summary>
    /// The message's variables (JSON) with each secret one replaced by <see cref="RemovedSecret"/>, or null when the
    /// message carries none.
    /// </summary>
    public static string? RedactData(string? templateKey, string? templateData)
    {
        if (templateKey is null || templateData is null || !SecretVariables.TryGetValue(templateKey, out var secrets)) return null;
        if (System.Text.Json.Nodes.JsonNode.Parse(templateData) is not System.Text.Json.Nodes.JsonObject data) return null;
        var changed = false;
        foreach (var name in secrets)
            if (data.ContainsKey(name))
            {
                data[name] = RemovedSecret;
                changed = true;
            }
        return changed ? data.ToJsonString() : null;
    }

    /// <summary>A message's variables as the JSON stored with it.</summary>
    public static string SerializeData(IReadOnlyDictionary<string, object?> data) => JsonSerializer.Serialize(data, DataJson);
}
