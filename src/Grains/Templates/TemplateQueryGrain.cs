using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Interfaces.Templates;
using ChangemakerLite.Grains.Platform;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Templates;

/// <summary>Reads across templates: the admin's list, filtered by category and a search of key, name and description.</summary>
[StatelessWorker]
public sealed class TemplateQueryGrain(NpgsqlDataSource db) : Grain, ITemplateQueryGrain
{
    public async Task<Page<EmailTemplateSummary>> List(TemplateFilter filter, PageRequest page)
    {
        var search = string.IsNullOrWhiteSpace(filter.Search) ? null : "%" + EscapeLike(filter.Search.Trim()) + "%";
        const string where = """
            WHERE (@category::email_template_category IS NULL OR t.category = @category::email_template_category)
              AND (@search::text IS NULL OR t.key ILIKE @search OR t.name ILIKE @search OR t.description ILIKE @search)
            """;
        var category = filter.Category is { } c ? EnumWireNames.ToWireName(c) : null;
        var total = await db.Command($"SELECT count(*) FROM email_templates t {where}", ("category", category), ("search", search)).ScalarAsync<long>();
        var items = await db.Command($"""
            SELECT t.id, t.key, t.name, t.description, t.category, t.subject_line, t.is_system, t.is_active, t.updated_at,
                   COALESCE((SELECT max(v.version_number) FROM email_template_versions v WHERE v.template_id = t.id), 0) AS current_version
            FROM email_templates t {where}
            ORDER BY t.category, t.key
            LIMIT @limit OFFSET @offset
            """, ("category", category), ("search", search), ("limit", page.PageSize), ("offset", page.Offset))
            .ListAsync(r => new EmailTemplateSummary(r.Get<Guid>("id"), r.Get<string>("key"), r.Get<string>("name"), r.GetOrNull<string>("description"),
                r.Get<EmailTemplateCategory>("category"), r.Get<string>("subject_line"), r.Get<bool>("is_system"), r.Get<bool>("is_active"),
                r.Get<int>("current_version"), r.Get<DateTimeOffset>("updated_at")));
        return new Page<EmailTemplateSummary>(items, total, page.Page, page.PageSize);
    }

    private static string EscapeLike(string value) => value.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");
}
