using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Templates;
using ChangemakerLite.Grains.Platform;
using HandlebarsDotNet;
using Npgsql;

namespace ChangemakerLite.Grains.Templates;

/// <summary>A template's content as stored: what is compiled. <see cref="Id"/> and <see cref="Version"/> identify the compilation.</summary>
public sealed record TemplateSource(
    Guid Id, int Version, string Key, bool IsActive, string Subject, string Html, string Text, IReadOnlyList<TemplateVariable> Variables);

/// <summary>A message could not be rendered (a required variable missing, an unknown or inactive template): nothing is sent.</summary>
public sealed class TemplateRenderException(string message, IReadOnlyList<string>? missing = null) : Exception(message)
{
    public IReadOnlyList<string> Missing { get; } = missing ?? [];
}

/// <summary>The three parts of a template, compiled once; rendering is a call of each delegate.</summary>
public sealed class CompiledTemplate
{
    internal CompiledTemplate(TemplateSource source, HandlebarsTemplate<object, object> subject, HandlebarsTemplate<object, object> html,
        HandlebarsTemplate<object, object> text)
    {
        Source = source;
        Subject = subject;
        Html = html;
        Text = text;
        Required = source.Variables.Where(v => v.IsRequired).Select(v => v.Key).ToArray();
    }

    public TemplateSource Source { get; }
    internal HandlebarsTemplate<object, object> Subject { get; }
    internal HandlebarsTemplate<object, object> Html { get; }
    internal HandlebarsTemplate<object, object> Text { get; }
    internal string[] Required { get; }
}

/// <summary>
/// Renders email templates with Handlebars.Net. <c>{{VAR}}</c> is HTML-encoded in the HTML part (canonical encoding,
/// accents kept) and written as it is in the subject and text parts; <c>{{#if}}</c> and the other built-in blocks work.
///
/// Compiling is the costly step, so each silo keeps one compilation per template key, stamped with the template's id
/// and row version. The sender leases each message together with its template's current id and version (one
/// statement), and a stamp that differs is compiled again from the row: a changed template is used by every silo
/// from the next message on, with no message and no poll in between. The template grain compiles through the same
/// cache from the content it holds.
/// </summary>
public sealed class TemplateRenderer(NpgsqlDataSource db)
{
    private static readonly IHandlebars HtmlEnvironment = Handlebars.Create(new HandlebarsConfiguration
    {
        TextEncoder = new HtmlEncoder(),
        FormatProvider = CultureInfo.InvariantCulture,
    });

    private static readonly IHandlebars TextEnvironment = Handlebars.Create(new HandlebarsConfiguration
    {
        NoEscape = true,
        FormatProvider = CultureInfo.InvariantCulture,
    });

    private static readonly Lock CompileLock = new();
    private readonly ConcurrentDictionary<string, CompiledTemplate> _cache = new(StringComparer.Ordinal);

    /// <summary>How many compilations this silo made (the bench and tests read it).</summary>
    public long Compilations => Interlocked.Read(ref _compilations);
    private long _compilations;

    /// <summary>Compiles the three parts; a syntax error is a <see cref="HandlebarsException"/> naming the part.</summary>
    public static CompiledTemplate Compile(TemplateSource source)
    {
        lock (CompileLock)
        {
            return new CompiledTemplate(source,
                CompilePart(TextEnvironment, "subjectLine", source.Subject),
                CompilePart(HtmlEnvironment, "htmlContent", source.Html),
                CompilePart(TextEnvironment, "textContent", source.Text));
        }
    }

    private static HandlebarsTemplate<object, object> CompilePart(IHandlebars environment, string part, string content)
    {
        try
        {
            return environment.Compile(content);
        }
        catch (HandlebarsException ex)
        {
            throw new TemplateSyntaxException(part, ex.Message, ex);
        }
    }

    /// <summary>The compilation of <paramref name="source"/>, from the cache when its id and version are the cached ones.</summary>
    public CompiledTemplate Get(TemplateSource source)
    {
        if (_cache.TryGetValue(source.Key, out var cached) && cached.Source.Id == source.Id && cached.Source.Version == source.Version)
            return cached;
        var compiled = Compile(source);
        Interlocked.Increment(ref _compilations);
        _cache[source.Key] = compiled;
        return compiled;
    }

    /// <summary>
    /// The compilation of the template named <paramref name="key"/> whose current id and version the caller read
    /// (null when no template has that key): from the cache when the stamp matches, else loaded and compiled.
    /// </summary>
    public async ValueTask<CompiledTemplate> GetAsync(string key, Guid? currentId, int? currentVersion, CancellationToken cancellationToken)
    {
        if (currentId is null) throw new TemplateRenderException($"No email template has the key '{key}'.");
        if (_cache.TryGetValue(key, out var cached) && cached.Source.Id == currentId && cached.Source.Version == currentVersion)
            return cached;
        var source = await TemplateRows.LoadSourceAsync(db, key, cancellationToken)
                     ?? throw new TemplateRenderException($"No email template has the key '{key}'.");
        return Get(source);
    }

    /// <summary>
    /// Renders all three parts, or throws <see cref="TemplateRenderException"/> naming every required variable that
    /// <paramref name="data"/> lacks (absent, null or empty): then nothing is rendered at all.
    /// </summary>
    public static RenderedEmail Render(CompiledTemplate template, IReadOnlyDictionary<string, object?> data)
    {
        List<string>? missing = null;
        foreach (var key in template.Required)
            if (!data.TryGetValue(key, out var value) || value is null || value is string { Length: 0 })
                (missing ??= []).Add(key);
        if (missing is not null)
            throw new TemplateRenderException(
                $"Template '{template.Source.Key}' needs the required variable{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing)}, which the message does not give.",
                missing);
        return new RenderedEmail(template.Subject(data).Trim(), template.Html(data), template.Text(data));
    }

    /// <summary>A message's stored variables (JSON) as the dictionary the templates read: objects, lists, strings, numbers, booleans.</summary>
    public static Dictionary<string, object?> ParseData(string? json)
    {
        if (string.IsNullOrEmpty(json)) return new Dictionary<string, object?>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.Object
            ? (Dictionary<string, object?>)Convert(document.RootElement)!
            : new Dictionary<string, object?>(StringComparer.Ordinal);
    }

    private static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => Convert(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var whole) ? whole : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}

/// <summary>A part of a template does not compile.</summary>
public sealed class TemplateSyntaxException(string part, string message, Exception inner) : Exception($"{part}: {message}", inner)
{
    public string Part { get; } = part;
    public string Detail { get; } = message;
}
