using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Templates;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Templates;

/// <summary>
/// The single writer of one email template: its row, variables and versions. Every write checks and bumps the row's
/// <c>version</c> (a second activation cannot overwrite silently: it reloads and answers 409); a change of subject,
/// HTML or text adds a version with its notes and author; a restore adds a version with the old content. The bumped
/// row version is what every silo's renderer compares its cached compilation against.
/// </summary>
public sealed class EmailTemplateGrain(
    NpgsqlDataSource db,
    TimeProvider time,
    IConfiguration configuration,
    TemplateRenderer renderer,
    SettingsEncryption encryption,
    ILogger<EmailTemplateGrain> logger) : Grain, IEmailTemplateGrain
{
    private EmailTemplateView? _template;
    private int _version;

    private Guid TemplateId => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => Reload(cancellationToken);

    private async Task Reload(CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var loaded = await TemplateRows.LoadAsync(connection, null, TemplateId, cancellationToken);
        (_template, _version) = loaded is { } row ? (row.View, row.RowVersion) : (null, 0);
    }

    private EmailTemplateView Current => _template ?? throw DomainException.NotFound("The email template");

    public async Task<EmailTemplateView> Create(CreateTemplateCommand command)
    {
        if (_template is not null) throw DomainException.Conflict("A template with this id exists already.");
        EnsureCompiles(command.SubjectLine, command.HtmlContent, command.TextContent, command.Variables);
        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            await connection.Command("""
                INSERT INTO email_templates (id, key, name, description, category, subject_line, html_content, text_content, is_system, is_active,
                                             created_by_user_id, updated_by_user_id, created_at, updated_at, version)
                VALUES (@id, @key, @name, @description, @category, @subject, @html, @text, false, @active, @by, @by, @now, @now, 1)
                """, transaction, ("id", TemplateId), ("key", command.Key), ("name", command.Name), ("description", command.Description),
                ("category", command.Category), ("subject", command.SubjectLine), ("html", command.HtmlContent), ("text", command.TextContent),
                ("active", command.IsActive), ("by", command.ActingUserId), ("now", now)).ExecuteAsync();
        }
        catch (PostgresException ex) when (ex.IsUniqueViolation("email_templates_key_key"))
        {
            throw DomainException.Conflict($"A template with the key '{command.Key}' exists already.");
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw DomainException.NotFound("The acting user");
        }
        await TemplateRows.ReplaceVariablesAsync(connection, transaction, TemplateId, command.Variables);
        await TemplateRows.AddVersionAsync(connection, transaction, TemplateId, 1, command.SubjectLine, command.HtmlContent, command.TextContent,
            "Created", command.ActingUserId, now);
        await transaction.CommitAsync();
        await Reload();
        return Current;
    }

    public Task<EmailTemplateView> Get() => Task.FromResult(Current);

    public async Task<EmailTemplateView> Update(UpdateTemplateCommand command)
    {
        var template = Current;
        var subject = command.SubjectLine ?? template.SubjectLine;
        var html = command.HtmlContent ?? template.HtmlContent;
        var text = command.TextContent ?? template.TextContent;
        var variables = command.Variables ?? template.Variables;
        EnsureCompiles(subject, html, text, variables);
        var contentChanged = subject != template.SubjectLine || html != template.HtmlContent || text != template.TextContent;
        return await Write(template, subject, html, text, variables, command.Name ?? template.Name,
            command.Description is null ? template.Description : Blank(command.Description), command.Category ?? template.Category,
            command.IsActive ?? template.IsActive, contentChanged ? (command.ChangeNotes ?? "") : null, command.ActingUserId);
    }

    public async Task<EmailTemplateView> Restore(int versionNumber, Guid actingUserId)
    {
        var template = Current;
        var old = await db.Command("""
            SELECT version_number, subject_line, html_content, text_content, change_notes, created_by_user_id, created_at
            FROM email_template_versions WHERE template_id = @id AND version_number = @number
            """, ("id", TemplateId), ("number", versionNumber)).FirstOrDefaultAsync(TemplateRows.ReadVersion)
            ?? throw DomainException.NotFound($"Version {versionNumber} of the template");
        return await Write(template, old.SubjectLine, old.HtmlContent, old.TextContent, template.Variables, template.Name, template.Description,
            template.Category, template.IsActive, $"Restored version {versionNumber}", actingUserId);
    }

    /// <summary>One transaction: the row under its version check, the variables, and a new version when <paramref name="versionNotes"/> is given.</summary>
    private async Task<EmailTemplateView> Write(EmailTemplateView template, string subject, string html, string text,
        IReadOnlyList<TemplateVariable> variables, string name, string? description, EmailTemplateCategory category, bool isActive,
        string? versionNotes, Guid actingUserId)
    {
        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var saved = await connection.Command("""
            UPDATE email_templates SET name = @name, description = @description, category = @category, subject_line = @subject,
                   html_content = @html, text_content = @text, is_active = @active, updated_by_user_id = @by, updated_at = @now,
                   version = version + 1
            WHERE id = @id AND version = @version
            """, transaction, ("name", name), ("description", description), ("category", category), ("subject", subject), ("html", html),
            ("text", text), ("active", isActive), ("by", actingUserId), ("now", now), ("id", TemplateId), ("version", _version)).ExecuteAsync();
        if (saved == 0)
        {
            await transaction.RollbackAsync();
            await Reload();
            throw DomainException.Conflict("The template was changed at the same time; reload it and try again.");
        }
        if (!ReferenceEquals(variables, template.Variables))
            await TemplateRows.ReplaceVariablesAsync(connection, transaction, TemplateId, variables);
        if (versionNotes is not null)
            await TemplateRows.AddVersionAsync(connection, transaction, TemplateId, template.CurrentVersion + 1, subject, html, text,
                versionNotes.Length == 0 ? null : versionNotes, actingUserId, now);
        await transaction.CommitAsync();
        _version++;
        _template = template with
        {
            Name = name, Description = description, Category = category, SubjectLine = subject, HtmlContent = html, TextContent = text,
            IsActive = isActive, Variables = variables, UpdatedByUserId = actingUserId, UpdatedAt = now,
            CurrentVersion = versionNotes is null ? template.CurrentVersion : template.CurrentVersion + 1,
        };
        return _template;
    }

    public async Task Delete()
    {
        var template = Current;
        if (template.IsSystem) throw DomainException.Conflict($"'{template.Key}' is a system template: the system sends it, so it cannot be deleted.");
        var deleted = await db.Command("DELETE FROM email_templates WHERE id = @id AND version = @version", ("id", TemplateId), ("version", _version))
            .ExecuteAsync();
        if (deleted == 0)
        {
            await Reload();
            throw DomainException.Conflict("The template was changed at the same time; reload it and try again.");
        }
        _template = null;
        DeactivateOnIdle();
    }

    public async Task<IReadOnlyList<EmailTemplateVersionView>> Versions()
    {
        _ = Current;
        return await TemplateRows.VersionsAsync(db, TemplateId);
    }

    public Task<TemplateValidation> Validate()
    {
        var template = Current;
        return Task.FromResult(TemplateValidator.Validate(template.SubjectLine, template.HtmlContent, template.TextContent, template.Variables));
    }

    public Task<RenderedEmail> Preview(Dictionary<string, string?>? data)
    {
        try
        {
            return Task.FromResult(TemplateRenderer.Render(Compiled(), WithSamples(Current, data)));
        }
        catch (TemplateRenderException ex)
        {
            throw DomainException.Invalid("data", ex.Message);
        }
    }

    public async Task<TemplateTestSendResult> TestSend(string to, Dictionary<string, string?>? data, Guid actingUserId)
    {
        var template = Current;
        var values = WithSamples(template, data);
        var testData = JsonSerializer.Serialize(values);
        var messageId = Ids.New();
        TemplateTestSendResult result;
        try
        {
            var rendered = TemplateRenderer.Render(Compiled(), values);
            var settings = await SmtpSettings.FromConfiguration(configuration).WithSiteOverridesAsync(db, encryption, CancellationToken.None);
            var reply = await SmtpDelivery.SendNowAsync(settings, messageId, to, null, rendered with { Subject = $"[Test] {rendered.Subject}" },
                CancellationToken.None);
            result = new TemplateTestSendResult(true, to, reply, null, $"{messageId:N}@changemaker.local");
        }
        catch (TemplateRenderException ex)
        {
            result = new TemplateTestSendResult(false, to, null, ex.Message, null);
        }
        catch (Exception ex) when (ex is not OrleansException)
        {
            result = new TemplateTestSendResult(false, to, null, SmtpDelivery.Describe(ex).Message, null);
        }
        await TemplateRows.LogTestAsync(db, TemplateId, to, testData, result.Success, result.Error, result.MessageId, actingUserId, time.GetUtcNow());
        if (!result.Success) logger.LogWarning("Test send of template {Key} to {To} failed: {Error}", template.Key, to, result.Error);
        return result;
    }

    private CompiledTemplate Compiled()
    {
        var template = Current;
        return renderer.Get(new TemplateSource(template.Id, _version, template.Key, template.IsActive, template.SubjectLine, template.HtmlContent,
            template.TextContent, template.Variables));
    }

    /// <summary>The caller's values, with each declared variable's sample filling what they lack.</summary>
    private static Dictionary<string, object?> WithSamples(EmailTemplateView template, Dictionary<string, string?>? data)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var variable in template.Variables)
            if (!string.IsNullOrEmpty(variable.SampleValue)) values[variable.Key] = variable.SampleValue;
        if (data is not null)
            foreach (var (key, value) in data) values[key] = value;
        return values;
    }

    private static void EnsureCompiles(string subject, string html, string text, IReadOnlyList<TemplateVariable> variables)
    {
        var validation = TemplateValidator.Validate(subject, html, text, variables);
        var blocking = TemplateValidator.Blocking(validation).FirstOrDefault();
        if (blocking is not null)
            throw DomainException.Invalid(blocking.Part ?? "htmlContent", blocking.Line is { } line ? $"{blocking.Message} (line {line})" : blocking.Message);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
