using ChangemakerLite.Grains.Interfaces.Platform;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Interfaces.Templates;

/// <summary>A variable a template declares: required ones must be given when it is sent; the sample fills previews and test sends.</summary>
[GenerateSerializer, Immutable, Alias("cml.templates.TemplateVariable")]
public sealed record TemplateVariable(
    [property: Id(0)] string Key,
    [property: Id(1)] string Label,
    [property: Id(2)] bool IsRequired,
    [property: Id(3)] string? SampleValue,
    [property: Id(4)] string? Description = null,
    [property: Id(5)] bool IsConditional = false);

[GenerateSerializer, Immutable, Alias("cml.templates.EmailTemplateView")]
public sealed record EmailTemplateView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Key,
    [property: Id(2)] string Name,
    [property: Id(3)] string? Description,
    [property: Id(4)] EmailTemplateCategory Category,
    [property: Id(5)] string SubjectLine,
    [property: Id(6)] string HtmlContent,
    [property: Id(7)] string TextContent,
    [property: Id(8)] bool IsSystem,
    [property: Id(9)] bool IsActive,
    [property: Id(10)] IReadOnlyList<TemplateVariable> Variables,
    [property: Id(11)] int CurrentVersion,
    [property: Id(12)] Guid? CreatedByUserId,
    [property: Id(13)] Guid? UpdatedByUserId,
    [property: Id(14)] DateTimeOffset CreatedAt,
    [property: Id(15)] DateTimeOffset UpdatedAt);

/// <summary>A template in a list: no bodies.</summary>
[GenerateSerializer, Immutable, Alias("cml.templates.EmailTemplateSummary")]
public sealed record EmailTemplateSummary(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Key,
    [property: Id(2)] string Name,
    [property: Id(3)] string? Description,
    [property: Id(4)] EmailTemplateCategory Category,
    [property: Id(5)] string SubjectLine,
    [property: Id(6)] bool IsSystem,
    [property: Id(7)] bool IsActive,
    [property: Id(8)] int CurrentVersion,
    [property: Id(9)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("cml.templates.EmailTemplateVersionView")]
public sealed record EmailTemplateVersionView(
    [property: Id(0)] int VersionNumber,
    [property: Id(1)] string SubjectLine,
    [property: Id(2)] string HtmlContent,
    [property: Id(3)] string TextContent,
    [property: Id(4)] string? ChangeNotes,
    [property: Id(5)] Guid? CreatedByUserId,
    [property: Id(6)] DateTimeOffset CreatedAt);

[GenerateSerializer, Immutable, Alias("cml.templates.CreateTemplateCommand")]
public sealed record CreateTemplateCommand(
    [property: Id(0)] string Key,
    [property: Id(1)] string Name,
    [property: Id(2)] string? Description,
    [property: Id(3)] EmailTemplateCategory Category,
    [property: Id(4)] string SubjectLine,
    [property: Id(5)] string HtmlContent,
    [property: Id(6)] string TextContent,
    [property: Id(7)] IReadOnlyList<TemplateVariable> Variables,
    [property: Id(8)] bool IsActive,
    [property: Id(9)] Guid ActingUserId);

/// <summary>A partial edit: null leaves a field as it is. A change of subject, HTML or text makes a new version.</summary>
[GenerateSerializer, Immutable, Alias("cml.templates.UpdateTemplateCommand")]
public sealed record UpdateTemplateCommand(
    [property: Id(0)] string? Name,
    [property: Id(1)] string? Description,
    [property: Id(2)] EmailTemplateCategory? Category,
    [property: Id(3)] string? SubjectLine,
    [property: Id(4)] string? HtmlContent,
    [property: Id(5)] string? TextContent,
    [property: Id(6)] IReadOnlyList<TemplateVariable>? Variables,
    [property: Id(7)] bool? IsActive,
    [property: Id(8)] string? ChangeNotes,
    [property: Id(9)] Guid ActingUserId);

/// <summary>One finding of the validator; <see cref="Line"/> is 1-based within <see cref="Part"/> (subjectLine, htmlContent, textContent).</summary>
[GenerateSerializer, Immutable, Alias("cml.templates.TemplateIssue")]
public sealed record TemplateIssue(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Message,
    [property: Id(2)] string? Part = null,
    [property: Id(3)] int? Line = null,
    [property: Id(4)] string? Variable = null);

[GenerateSerializer, Immutable, Alias("cml.templates.TemplateValidation")]
public sealed record TemplateValidation(
    [property: Id(0)] bool Valid,
    [property: Id(1)] IReadOnlyList<TemplateIssue> Errors,
    [property: Id(2)] IReadOnlyList<TemplateIssue> Warnings,
    [property: Id(3)] IReadOnlyList<string> UsedVariables);

[GenerateSerializer, Immutable, Alias("cml.templates.RenderedEmail")]
public sealed record RenderedEmail(
    [property: Id(0)] string Subject,
    [property: Id(1)] string Html,
    [property: Id(2)] string Text);

[GenerateSerializer, Immutable, Alias("cml.templates.TemplateTestSendResult")]
public sealed record TemplateTestSendResult(
    [property: Id(0)] bool Success,
    [property: Id(1)] string Recipient,
    [property: Id(2)] string? ServerResponse,
    [property: Id(3)] string? Error,
    [property: Id(4)] string? MessageId);

/// <summary>One email template, keyed by its id: the single writer of its row, variables and versions.</summary>
[Alias("cml.templates.IEmailTemplateGrain")]
public interface IEmailTemplateGrain : IGrainWithGuidKey
{
    [Alias("Create")] Task<EmailTemplateView> Create(CreateTemplateCommand command);
    [Alias("Get")] Task<EmailTemplateView> Get();
    [Alias("Update")] Task<EmailTemplateView> Update(UpdateTemplateCommand command);
    [Alias("Delete")] Task Delete();
    [Alias("Versions")] Task<IReadOnlyList<EmailTemplateVersionView>> Versions();
    [Alias("Restore")] Task<EmailTemplateView> Restore(int versionNumber, Guid actingUserId);
    [Alias("Validate")] Task<TemplateValidation> Validate();
    /// <summary>Renders with <paramref name="data"/>, sample values filling what it lacks; a required variable still missing is a 400.</summary>
    [Alias("Preview")] Task<RenderedEmail> Preview(Dictionary<string, string?>? data);
    /// <summary>Renders as <see cref="Preview"/> and sends it at once through the SMTP relay; the outcome is logged and answered.</summary>
    [Alias("TestSend"), AlwaysInterleave] Task<TemplateTestSendResult> TestSend(string to, Dictionary<string, string?>? data, Guid actingUserId);
}

[GenerateSerializer, Immutable, Alias("cml.templates.TemplateFilter")]
public sealed record TemplateFilter([property: Id(0)] EmailTemplateCategory? Category, [property: Id(1)] string? Search);

[Alias("cml.templates.ITemplateQueryGrain")]
public interface ITemplateQueryGrain : IGrainWithIntegerKey
{
    [Alias("List")] Task<Page<EmailTemplateSummary>> List(TemplateFilter filter, PageRequest page);
}
