using System.Text.RegularExpressions;
using ChangemakerLite.Grains.Interfaces.Templates;

namespace ChangemakerLite.Grains.Templates;

/// <summary>
/// Checks a template before it is used: tags never closed and syntax errors (with their line), blocks not balanced
/// (<c>{{#if}}</c> without its <c>{{/if}}</c>, or closed by another block's end), variables used but not declared,
/// and required variables no part uses. The first three kinds are errors (such a template is refused on save, as
/// it could not render); an unused required variable is a warning.
/// </summary>
public static partial class TemplateValidator
{
    private static readonly HashSet<string> BuiltInBlocks = ["if", "unless", "each", "with"];
    private static readonly HashSet<string> ScopeBlocks = ["each", "with"];

    public static TemplateValidation Validate(string subject, string html, string text, IReadOnlyList<TemplateVariable> variables)
    {
        var errors = new List<TemplateIssue>();
        var warnings = new List<TemplateIssue>();
        var used = new Dictionary<string, (string Part, int Line)>(StringComparer.Ordinal);
        foreach (var (part, content) in new[] { ("subjectLine", subject), ("htmlContent", html), ("textContent", text) })
        {
            var structural = Scan(part, content, errors, used);
            if (!structural) continue;
            try
            {
                TemplateRenderer.Compile(new TemplateSource(Guid.Empty, 0, "validate", true, part == "subjectLine" ? content : "",
                    part == "htmlContent" ? content : "", part == "textContent" ? content : "", []));
            }
            catch (TemplateSyntaxException ex)
            {
                errors.Add(new TemplateIssue("syntax", ex.Detail, part, LineOf(ex.Detail)));
            }
        }
        var declared = variables.Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, (part, line)) in used.OrderBy(u => u.Key, StringComparer.Ordinal))
            if (!declared.Contains(name))
                errors.Add(new TemplateIssue("undeclared_variable", $"{{{{{name}}}}} is used but not declared.", part, line, name));
        foreach (var variable in variables.Where(v => v.IsRequired && !used.ContainsKey(v.Key)))
            warnings.Add(new TemplateIssue("unused_required_variable", $"{variable.Key} is declared required but no part uses it.", Variable: variable.Key));
        return new TemplateValidation(errors.Count == 0, errors, warnings, used.Keys.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>Whether the errors would stop the template from compiling (those a save refuses).</summary>
    public static IEnumerable<TemplateIssue> Blocking(TemplateValidation validation) =>
        validation.Errors.Where(e => e.Kind is "syntax" or "unbalanced_block" or "unclosed_tag");

    /// <summary>Walks the tags of one part; false when its structure is broken (the compiler's message would only repeat it).</summary>
    private static bool Scan(string part, string content, List<TemplateIssue> errors, Dictionary<string, (string, int)> used)
    {
        var open = new Stack<(string Name, int Line)>();
        var scopeDepth = 0;
        var sound = true;
        var line = 1;
        var position = 0;
        while (true)
        {
            var start = content.IndexOf("{{", position, StringComparison.Ordinal);
            if (start < 0) break;
            line += Count(content, position, start);
            string close;
            if (content.AsSpan(start).StartsWith("{{!--")) close = "--}}";
            else if (content.AsSpan(start).StartsWith("{{{")) close = "}}}";
            else close = "}}";
            var end = content.IndexOf(close, start + 2, StringComparison.Ordinal);
            if (end < 0)
            {
                errors.Add(new TemplateIssue("unclosed_tag", $"The tag opened on line {line} is never closed with '{close}'.", part, line));
                return false;
            }
            var tagLine = line;
            line += Count(content, start, end);
            position = end + close.Length;
            var inner = content[(start + 2)..end].Trim('{', '}').Trim().Trim('~').Trim();
            if (inner.StartsWith('!')) continue;
            if (inner.StartsWith('#') || (inner.StartsWith('^') && inner.Length > 1))
            {
                var words = Words(inner[1..]);
                if (words.Length == 0) { errors.Add(new TemplateIssue("syntax", $"An empty block tag on line {tagLine}.", part, tagLine)); sound = false; continue; }
                var name = words[0];
                if (name.StartsWith('*') || name.StartsWith('>')) { open.Push((name, tagLine)); continue; }
                open.Push((name, tagLine));
                if (!BuiltInBlocks.Contains(name) && inner[0] == '#')
                {
                    errors.Add(new TemplateIssue("syntax", $"{{{{#{name}}}}} on line {tagLine} is not a known block (if, unless, each, with).", part, tagLine));
                    sound = false;
                }
                foreach (var argument in words.Skip(1)) Use(argument, part, tagLine, scopeDepth, used);
                if (inner[0] == '^' && !BuiltInBlocks.Contains(name)) Use(name, part, tagLine, scopeDepth, used);
                if (ScopeBlocks.Contains(name)) scopeDepth++;
            }
            else if (inner.StartsWith('/'))
            {
                var name = Words(inner[1..]).FirstOrDefault() ?? "";
                if (open.Count == 0)
                {
                    errors.Add(new TemplateIssue("unbalanced_block", $"{{{{/{name}}}}} on line {tagLine} closes no block.", part, tagLine));
                    sound = false;
                    continue;
                }
                var (openedName, openedLine) = open.Pop();
                if (ScopeBlocks.Contains(openedName)) scopeDepth--;
                if (openedName != name)
                {
                    errors.Add(new TemplateIssue("unbalanced_block",
                        $"{{{{/{name}}}}} on line {tagLine} closes {{{{#{openedName}}}}} opened on line {openedLine}.", part, tagLine));
                    sound = false;
                }
            }
            else if (inner == "else" || inner == "^") { }
            else if (inner.StartsWith("else ", StringComparison.Ordinal))
            {
                foreach (var argument in Words(inner[5..]).Skip(1)) Use(argument, part, tagLine, scopeDepth, used);
            }
            else if (inner.StartsWith('>'))
            {
                errors.Add(new TemplateIssue("syntax", $"Partials ({{{{> …}}}}, line {tagLine}) are not available in email templates.", part, tagLine));
                sound = false;
            }
            else
            {
                var words = Words(inner.TrimStart('&').Trim());
                if (words.Length == 1) Use(words[0], part, tagLine, scopeDepth, used);
                else if (words.Length > 1)
                {
                    if (words[0] is not ("lookup" or "log"))
                    {
                        errors.Add(new TemplateIssue("syntax", $"'{words[0]}' on line {tagLine} is not a known helper.", part, tagLine));
                        sound = false;
                    }
                    foreach (var argument in words.Skip(1)) Use(argument, part, tagLine, scopeDepth, used);
                }
            }
        }
        foreach (var (name, openedLine) in open)
        {
            errors.Add(new TemplateIssue("unbalanced_block", $"{{{{#{name}}}}} opened on line {openedLine} is never closed.", part, openedLine));
            sound = false;
        }
        return sound;
    }

    private static void Use(string expression, string part, int line, int scopeDepth, Dictionary<string, (string, int)> used)
    {
        if (expression.Length == 0 || expression[0] is '"' or '\'' or '@' or '(' || expression.StartsWith("..") || expression.Contains('=')
            || char.IsDigit(expression[0]) || expression[0] == '-' || expression is "this" or "true" or "false" or "null" or "undefined") return;
        if (expression.StartsWith("this.", StringComparison.Ordinal) || expression.StartsWith("this/", StringComparison.Ordinal))
        {
            if (scopeDepth > 0) return;
            expression = expression[5..];
        }
        // Inside {{#each}} or {{#with}} names are looked up on the current item first, so they are not the template's variables.
        if (scopeDepth > 0) return;
        var name = expression.Split('.', '/', '[')[0];
        if (name.Length > 0) used.TryAdd(name, (part, line));
    }

    private static string[] Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static int Count(string content, int from, int to)
    {
        var lines = 0;
        for (var i = from; i < to; i++) if (content[i] == '\n') lines++;
        return lines;
    }

    private static int? LineOf(string message)
    {
        var match = LineNumber().Match(message);
        return match.Success ? int.Parse(match.Groups[1].Value) : null;
    }

    [GeneratedRegex(@"line:?\s*(\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex LineNumber();
}
