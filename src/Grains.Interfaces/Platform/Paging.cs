namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>A page of a list: <c>{ items, total, page, pageSize }</c>.</summary>
[GenerateSerializer, Immutable, Alias("cml.platform.Page`1")]
public sealed record Page<T>(
    [property: Id(0)] IReadOnlyList<T> Items,
    [property: Id(1)] long Total,
    [property: Id(2), System.Text.Json.Serialization.JsonPropertyName("page")] int PageNumber,
    [property: Id(3)] int PageSize);

[GenerateSerializer, Immutable, Alias("cml.platform.PageRequest")]
public sealed record PageRequest([property: Id(0)] int Page, [property: Id(1)] int PageSize)
{
    public const int MaxPageSize = 500;
    public int Offset => (Page - 1) * PageSize;
}

/// <summary>Uuid version 7 (time-ordered) for every identifier: new rows land at the end of indexes.</summary>
public static class Ids
{
    public static Guid New() => Guid.CreateVersion7();
}
