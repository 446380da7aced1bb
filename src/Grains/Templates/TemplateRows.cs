using ChangemakerLite.Grains.Interfaces.Templates;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Templates;

/// <summary>The SQL of the templates module: email_templates, its variables, versions and test log.</summary>
public static class TemplateRows
{
    public const string Columns = """
        t.id, t.key, t.name, t.description, t.category, t.subject_line, t.html_content, t.text_content, t.is_system, t.is_active,
        t.created_by_user_id, t.updated_by_user_id, t.created_at, t.updated_at, t.version,
        COALESCE((SELECT max(v.version_number) FROM email_template_versions v WHERE v.template_id = t.id), 0) AS current_version
        """;

    public static async Task<(EmailTemplateView View, int RowVersion)?> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id,
        CancellationToken cancellationToken = default)
    {
        var row = await connection.Command($"SELECT {Columns} FROM email_templates t WHERE t.id = @id", transaction, ("id", id))
            .FirstOrDefaultAsync(r => (View: Read(r, []), RowVersion: r.Get<int>("version")), cancellationToken);
        if (row.View is null) return null;
        var variables = await VariablesAsync(connection, transaction, id, cancellationToken);
        return (row.View with { Variables = variables }, row.RowVersion);
    }

    /// <summary>What the renderer compiles, by key (null when no template has it).</summary>
    public static async Task<TemplateSource?> LoadSourceAsync(NpgsqlDataSource db, string key, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var source = await connection.Command("""
            SELECT id, version, key, is_active, subject_line, html_content, text_content FROM email_templates WHERE key = @key
            """, null, ("key", key)).FirstOrDefaultAsync(r => new TemplateSource(r.Get<Guid>("id"), r.Get<int>("version"), r.Get<string>("key"),
                r.Get<bool>("is_active"), r.Get<string>("subject_line"), r.Get<string>("html_content"), r.Get<string>("text_content"), []), cancellationToken);
        if (source is null) return null;
        return source with { Variables = await VariablesAsync(connection, null, source.Id, cancellationToken) };
    }

    public static Task<List<TemplateVariable>> VariablesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid templateId,
        CancellationToken cancellationToken = default) =>
        connection.Command("""
            SELECT key, label, is_required, sample_value, description, is_conditional FROM email_template_variables
            WHERE template_id = @id ORDER BY sort_order, key
            """, transaction, ("id", templateId))
            .ListAsync(r => new TemplateVariable(r.Get<string>("key"), r.Get<string>("label"), r.Get<bool>("is_required"),
                r.GetOrNull<string>("sample_value"), r.GetOrNull<string>("description"), r.Get<bool>("is_conditional")), cancellationToken);

    public static async Task ReplaceVariablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid templateId,
        IReadOnlyList<TemplateVariable> variables)
    {
        await connection.Command("DELETE FROM email_template_variables WHERE template_id = @id", transaction, ("id", templateId)).ExecuteAsync();
        if (variables.Count == 0) return;
        await connection.Command("""
            INSERT INTO email_template_variables (template_id, key, label, description, is_required, is_conditional, sample_value, sort_order)
            SELECT @id, v.key, v.label, v.description, v.required, v.conditional, v.sample, v.ord::int - 1
            FROM unnest(@keys, @labels, @descriptions, @required, @conditional, @samples) WITH ORDINALITY
                 AS v(key, label, description, required, conditional, sample, ord)
            """, transaction,
            ("id", templateId), ("keys", variables.Select(v => v.Key).ToArray()), ("labels", variables.Select(v => v.Label).ToArray()),
            ("descriptions", variables.Select(v => v.Description).ToArray()), ("required", variables.Select(v => v.IsRequired).ToArray()),
            ("conditional", variables.Select(v => v.IsConditional).ToArray()), ("samples", variables.Select(v => v.SampleValue).ToArray()))
            .ExecuteAsync();
    }

    public static Task AddVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid templateId, int number,
        string subject, string html, string text, string? notes, Guid? author, DateTimeOffset now) =>
        connection.Command("""
            INSERT INTO email_template_versions (template_id, version_number, subject_line, html_content, text_content, change_notes, created_by_user_id, created_at)
            VALUES (@id, @number, @subject, @html, @text, @notes, @author, @now)
            """, transaction, ("id", templateId), ("number", number), ("subject", subject), ("html", html), ("text", text), ("notes", notes),
            ("author", author), ("now", now)).ExecuteAsync();

    public static Task<List<EmailTemplateVersionView>> VersionsAsync(NpgsqlDataSource db, Guid templateId) =>
        db.Command("""
            SELECT version_number, subject_line, html_content, text_content, change_notes, created_by_user_id, created_at
            FROM email_template_versions WHERE template_id = @id ORDER BY version_number DESC
            """, ("id", templateId)).ListAsync(ReadVersion);

    public static EmailTemplateVersionView ReadVersion(NpgsqlDataReader r) => new(r.Get<int>("version_number"), r.Get<string>("subject_line"),
        r.Get<string>("html_content"), r.Get<string>("text_content"), r.GetOrNull<string>("change_notes"),
        r.GetValueOrNull<Guid>("created_by_user_id"), r.Get<DateTimeOffset>("created_at"));

    public static EmailTemplateView Read(NpgsqlDataReader r, IReadOnlyList<TemplateVariable> variables) => new(
        r.Get<Guid>("id"), r.Get<string>("key"), r.Get<string>("name"), r.GetOrNull<string>("description"), r.Get<EmailTemplateCategory>("category"),
        r.Get<string>("subject_line"), r.Get<string>("html_content"), r.Get<string>("text_content"), r.Get<bool>("is_system"), r.Get<bool>("is_active"),
        variables, r.Get<int>("current_version"), r.GetValueOrNull<Guid>("created_by_user_id"), r.GetValueOrNull<Guid>("updated_by_user_id"),
        r.Get<DateTimeOffset>("created_at"), r.Get<DateTimeOffset>("updated_at"));

    public static Task LogTestAsync(NpgsqlDataSource db, Guid templateId, string recipient, string testData, bool success, string? error,
        string? messageId, Guid? sentBy, DateTimeOffset now) =>
        db.Command("""
            INSERT INTO email_template_test_logs (template_id, recipient_email, test_data, success, error_message, message_id, sent_by_user_id, sent_at)
            VALUES (@id, @to, @data::jsonb, @success, @error, @messageId, @by, @now)
            """, ("id", templateId), ("to", recipient), ("data", testData), ("success", success), ("error", error), ("messageId", messageId),
            ("by", sentBy), ("now", now)).ExecuteAsync();
}
