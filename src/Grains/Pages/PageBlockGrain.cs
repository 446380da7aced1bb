using ChangemakerLite.Grains.Interfaces.Pages;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Pages;

/// <summary>One block of the editor's library: the single writer of its row, with the same version check as a page.</summary>
public sealed class PageBlockGrain(NpgsqlDataSource db, TimeProvider time) : Grain, IPageBlockGrain
{
    private PageBlockView? _block;
    private int _version;

    private Guid BlockId => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => Reload(cancellationToken);

    public async Task<PageBlockView> Create(BlockChanges changes)
    {
        if (_block is not null) throw DomainException.Conflict("A block with this id exists already.");
        var now = time.GetUtcNow();
        var block = Merge(new PageBlockView(BlockId, "", "", null, null, null, null, 0, now, now), changes, now);
        Validate(block);
        var created = await db.Command($"""
            INSERT INTO page_blocks (id, type, label, schema, defaults, thumbnail, category, sort_order, version, created_at, updated_at)
            VALUES (@id, @type, @label, @schema::jsonb, @defaults::jsonb, @thumbnail, @category, @sortOrder, 0, @now, @now)
            ON CONFLICT (id) DO NOTHING
            RETURNING {PageRows.BlockColumns}
            """, [.. Parameters(block), ("now", now)]).FirstOrDefaultAsync(PageRows.ReadBlock);
        _block = created ?? throw DomainException.Conflict("A block with this id exists already.");
        _version = 0;
        return created;
    }

    public async Task<PageBlockView> Get() => await Current();

    public Task<PageBlockView> Update(BlockChanges changes) =>
        // A save refused by the version check (another activation wrote first) reloads and merges the changes again.
        RetryPolicy.StaleVersion.RunAsync(async () =>
            {
                var block = await Current();
                var now = time.GetUtcNow();
                var next = Merge(block, changes, now);
                Validate(next);
                var saved = await db.Command("""
                    UPDATE page_blocks SET type = @type, label = @label, schema = @schema::jsonb, defaults = @defaults::jsonb, thumbnail = @thumbnail,
                                           category = @category, sort_order = @sortOrder, version = version + 1, updated_at = @now
                    WHERE id = @id AND version = @version
                    """, [.. Parameters(next), ("now", now), ("version", _version)]).ExecuteAsync();
                if (saved != 1) throw new StaleVersionException();
                _block = next;
                _version++;
                return next;
            },
            beforeRetry: async (_, _) => await Reload(),
            exhausted: _ => DomainException.Conflict("The block was changed at the same time; try again."));

    public async Task Delete()
    {
        await Current();
        await db.Command("DELETE FROM page_blocks WHERE id = @id", ("id", BlockId)).ExecuteAsync();
        _block = null;
        DeactivateOnIdle();
    }

    private static PageBlockView Merge(PageBlockView block, BlockChanges changes, DateTimeOffset now) => block with
    {
        Type = changes.Type?.Trim() ?? block.Type,
        Label = changes.Label?.Trim() ?? block.Label,
        SchemaJson = changes.ClearSchema ? null : changes.SchemaJson ?? block.SchemaJson,
        DefaultsJson = changes.ClearDefaults ? null : changes.DefaultsJson ?? block.DefaultsJson,
        Thumbnail = changes.Thumbnail is null ? block.Thumbnail : Blank(changes.Thumbnail),
        Category = changes.Category is null ? block.Category : Blank(changes.Category),
        SortOrder = changes.SortOrder ?? block.SortOrder,
        UpdatedAt = now,
    };

    private static void Validate(PageBlockView block)
    {
        if (block.Type.Length == 0) throw DomainException.Invalid("type", "is required.");
        if (!PageRules.IsBlockType(block.Type)) throw DomainException.Invalid("type", "must be a short lower-case name such as hero or call-to-action.");
        if (block.Label.Length == 0) throw DomainException.Invalid("label", "is required.");
        if (block.Label.Length > PageRules.BlockLabelMaxLength) throw DomainException.Invalid("label", $"must be at most {PageRules.BlockLabelMaxLength} characters.");
        if (block.Thumbnail is not null && !PageRules.IsImageUrl(block.Thumbnail)) throw DomainException.Invalid("thumbnail", "must be an http(s) URL or a path starting with '/'.");
    }

    private static (string, object?)[] Parameters(PageBlockView block) =>
    [
        ("id", block.Id), ("type", block.Type), ("label", block.Label), ("schema", block.SchemaJson), ("defaults", block.DefaultsJson),
        ("thumbnail", block.Thumbnail), ("category", block.Category), ("sortOrder", block.SortOrder),
    ];

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private async Task<PageBlockView> Current()
    {
        if (_block is null) await Reload();
        if (_block is not null) return _block;
        DeactivateOnIdle();
        throw DomainException.NotFound("The block");
    }

    private async Task Reload(CancellationToken cancellationToken = default)
    {
        var loaded = await db.Command($"SELECT {PageRows.BlockColumns} FROM page_blocks WHERE id = @id", ("id", BlockId))
            .FirstOrDefaultAsync(r => (Block: PageRows.ReadBlock(r), Version: r.Get<int>("version")), cancellationToken);
        _block = loaded.Block;
        _version = loaded.Version;
    }
}
