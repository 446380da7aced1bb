using ChangemakerLite.Grains.Interfaces.Templates;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.Grains.Templates;

namespace ChangemakerLite.Grains.Tests.Templates;

/// <summary>What a recipient sees of a template: escaping per part, conditional blocks, and nothing when a required variable is missing.</summary>
public sealed class TemplateRenderingTests
{
    private static CompiledTemplate Template(string subject, string html, string text, params TemplateVariable[] variables) =>
        TemplateRenderer.Compile(new TemplateSource(Guid.NewGuid(), 1, "test", true, subject, html, text, variables));

    private static readonly TemplateVariable Name = new("NAME", "Name", IsRequired: true, SampleValue: "Sam");
    private static readonly TemplateVariable Title = new("TITLE", "Title", IsRequired: false, SampleValue: null);

    [Fact]
    public void Variables_are_html_encoded_in_the_html_part_and_written_as_they_are_in_the_subject_and_text()
    {
        var template = Template("Hi {{NAME}}", "<p>Hi {{NAME}}</p>", "Hi {{NAME}}", Name);
        var rendered = TemplateRenderer.Render(template, new Dictionary<string, object?> { ["NAME"] = "<Zoë & \"Jo\">" });

        Assert.Equal("<p>Hi &lt;Zoë &amp; &quot;Jo&quot;&gt;</p>", rendered.Html);
        Assert.Equal("Hi <Zoë & \"Jo\">", rendered.Text);
        Assert.Equal("Hi <Zoë & \"Jo\">", rendered.Subject);
    }

    [Fact]
    public void Triple_braces_write_raw_html()
    {
        var template = Template("s", "<div>{{{NAME}}}</div>", "t", Name);
        Assert.Equal("<div><b>bold</b></div>", TemplateRenderer.Render(template, new Dictionary<string, object?> { ["NAME"] = "<b>bold</b>" }).Html);
    }

    [Fact]
    public void If_blocks_show_their_content_only_when_the_value_is_truthy()
    {
        var template = Template("s", "<p>{{NAME}}{{#if TITLE}}, {{TITLE}}{{else}} (no title){{/if}}</p>", "{{#if TITLE}}T={{TITLE}}{{/if}}.", Name, Title);

        var with = TemplateRenderer.Render(template, new Dictionary<string, object?> { ["NAME"] = "Sam", ["TITLE"] = "Captain" });
        var empty = TemplateRenderer.Render(template, new Dictionary<string, object?> { ["NAME"] = "Sam", ["TITLE"] = "" });
        var absent = TemplateRenderer.Render(template, new Dictionary<string, object?> { ["NAME"] = "Sam" });

        Assert.Equal("<p>Sam, Captain</p>", with.Html);
        Assert.Equal("T=Captain.", with.Text);
        Assert.Equal("<p>Sam (no title)</p>", empty.Html);
        Assert.Equal(".", empty.Text);
        Assert.Equal("<p>Sam (no title)</p>", absent.Html);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_missing_or_empty_required_variable_renders_nothing_and_names_the_variable(bool presentButEmpty)
    {
        var template = Template("Hi {{NAME}}", "<p>{{NAME}} {{TITLE}}</p>", "{{NAME}}", Name, Title, new TemplateVariable("URL", "Link", true, null));
        var data = new Dictionary<string, object?> { ["TITLE"] = "x", ["URL"] = "https://example.org" };
        if (presentButEmpty) data["NAME"] = "";

        var error = Assert.Throws<TemplateRenderException>(() => TemplateRenderer.Render(template, data));
        Assert.Equal(["NAME"], error.Missing);
        Assert.Contains("NAME", error.Message);
    }

    [Fact]
    public void Stored_json_variables_render_lists_numbers_and_nested_objects()
    {
        var template = Template("{{COUNT}} items", "<ul>{{#each ITEMS}}<li>{{this}}</li>{{/each}}</ul>", "{{PERSON.NAME}}");
        var data = TemplateRenderer.ParseData("""{"COUNT": 2, "ITEMS": ["a", "<b>"], "PERSON": {"NAME": "Ana"}}""");
        var rendered = TemplateRenderer.Render(template, data);
        Assert.Equal("2 items", rendered.Subject);
        Assert.Equal("<ul><li>a</li><li>&lt;b&gt;</li></ul>", rendered.Html);
        Assert.Equal("Ana", rendered.Text);
    }

    [Fact]
    public void The_cache_reuses_a_compilation_until_the_templates_version_changes()
    {
        var renderer = new TemplateRenderer(null!);
        var id = Guid.NewGuid();
        var v1 = new TemplateSource(id, 1, "cached", true, "One", "<p>1</p>", "1", []);
        Assert.Same(renderer.Get(v1), renderer.Get(v1 with { }));
        var v2 = renderer.Get(v1 with { Version = 2, Subject = "Two" });
        Assert.Equal("Two", TemplateRenderer.Render(v2, new Dictionary<string, object?>()).Subject);
        Assert.Equal(2, renderer.Compilations);
        // The same key under another id (deleted and created again) is compiled afresh.
        Assert.NotSame(v2, renderer.Get(v1 with { Id = Guid.NewGuid(), Version = 2 }));
    }
}

/// <summary>The validator's findings, each with its part and line.</summary>
public sealed class TemplateValidatorTests
{
    [Fact]
    public void Undeclared_variables_and_unused_required_ones_are_reported()
    {
        var result = TemplateValidator.Validate("Hi {{NAME}}", "<p>{{NAME}}</p>\n<p>{{MISSING}}</p>", "{{#each LIST}}{{ITEM_FIELD}}{{/each}}",
            [new TemplateVariable("NAME", "Name", true, "x"), new TemplateVariable("LIST", "List", false, null), new TemplateVariable("UNUSED", "U", true, "x")]);

        Assert.False(result.Valid);
        var undeclared = Assert.Single(result.Errors);
        Assert.Equal(("undeclared_variable", "MISSING", "htmlContent", (int?)2), (undeclared.Kind, undeclared.Variable, undeclared.Part, undeclared.Line));
        var unused = Assert.Single(result.Warnings);
        Assert.Equal(("unused_required_variable", "UNUSED"), (unused.Kind, unused.Variable));
        Assert.Equal(["LIST", "MISSING", "NAME"], result.UsedVariables);
    }

    [Fact]
    public void Unbalanced_blocks_are_reported_with_their_lines()
    {
        var declared = new[] { new TemplateVariable("A", "A", false, null), new TemplateVariable("B", "B", false, null) };
        var neverClosed = TemplateValidator.Validate("s", "line one\n{{#if A}}\nno end", "t", declared);
        var wrongEnd = TemplateValidator.Validate("s", "x", "{{#if A}}\n{{#unless B}}\n{{/if}}", declared);
        var closesNothing = TemplateValidator.Validate("s", "x", "a\nb\n{{/if}}", declared);

        var issue = Assert.Single(neverClosed.Errors);
        Assert.Equal(("unbalanced_block", "htmlContent", (int?)2), (issue.Kind, issue.Part, issue.Line));
        Assert.Contains(wrongEnd.Errors, e => e.Kind == "unbalanced_block" && e.Line == 3 && e.Message.Contains("{{#unless}} opened on line 2"));
        Assert.Contains(closesNothing.Errors, e => e.Kind == "unbalanced_block" && e.Line == 3 && e.Part == "textContent");
    }

    [Fact]
    public void A_tag_never_closed_is_a_syntax_error_with_its_line()
    {
        var result = TemplateValidator.Validate("s", "<p>ok</p>\n<p>{{NAME</p>", "t", [new TemplateVariable("NAME", "N", false, null)]);
        var issue = Assert.Single(result.Errors);
        Assert.Equal(("unclosed_tag", "htmlContent", (int?)2), (issue.Kind, issue.Part, issue.Line));
    }

    [Fact]
    public void A_valid_template_has_no_findings()
    {
        var result = TemplateValidator.Validate("Hi {{NAME}}", "<p>{{#if NAME}}{{NAME}}{{else}}friend{{/if}}</p>", "{{! a comment }}{{NAME}}",
            [new TemplateVariable("NAME", "N", true, "x")]);
        Assert.True(result.Valid);
        Assert.Empty(result.Warnings);
    }
}

/// <summary>The SMTP password's encryption at rest: AES-256-GCM under the configured key, never readable without it.</summary>
public sealed class SettingsEncryptionTests
{
    private const string Key = "an-encryption-key-of-at-least-thirty-two-characters";

    [Fact]
    public void A_secret_round_trips_and_its_stored_form_never_shows_it()
    {
        var encryption = new SettingsEncryption(Key);
        var stored = encryption.Encrypt("hunter2-smtp", SmtpSettings.PasswordColumn);
        Assert.StartsWith("v1:", stored);
        Assert.DoesNotContain("hunter2", stored);
        Assert.NotEqual(stored, encryption.Encrypt("hunter2-smtp", SmtpSettings.PasswordColumn));
        Assert.Equal("hunter2-smtp", encryption.TryDecrypt(stored, SmtpSettings.PasswordColumn));
    }

    [Fact]
    public void Another_key_another_purpose_or_an_altered_value_does_not_decrypt()
    {
        var stored = new SettingsEncryption(Key).Encrypt("secret", SmtpSettings.PasswordColumn);
        Assert.Null(new SettingsEncryption(Key + "-other").TryDecrypt(stored, SmtpSettings.PasswordColumn));
        Assert.Null(new SettingsEncryption(Key).TryDecrypt(stored, "another.column"));
        var bytes = Convert.FromBase64String(stored[3..]);
        bytes[^1] ^= 1;
        Assert.Null(new SettingsEncryption(Key).TryDecrypt("v1:" + Convert.ToBase64String(bytes), SmtpSettings.PasswordColumn));
        Assert.Null(new SettingsEncryption(Key).TryDecrypt("plain-text", SmtpSettings.PasswordColumn));
    }

    [Fact]
    public void Without_a_key_nothing_can_be_stored_and_a_short_key_is_refused()
    {
        Assert.False(new SettingsEncryption((string?)null).IsConfigured);
        Assert.Throws<InvalidOperationException>(() => new SettingsEncryption((string?)null).Encrypt("x", "p"));
        Assert.Throws<InvalidOperationException>(() => new SettingsEncryption("too-short"));
    }
}
