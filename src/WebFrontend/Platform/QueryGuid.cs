namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>Parses an id filter from the query string, or records a 400 naming the parameter; empty means no filter.</summary>
public static class QueryGuid
{
    public static Guid? Parse(Validation validation, string name, string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        if (Guid.TryParse(raw, out var id)) return id;
        validation.Add(name, "must be a UUID.");
        return null;
    }
}
