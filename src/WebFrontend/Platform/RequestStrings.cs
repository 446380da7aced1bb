using System.Text.Json;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// The strings a client may legally send that cannot be stored: JSON may carry <c>\u0000</c> (PostgreSQL's
/// <c>text</c> and <c>jsonb</c> refuse the NUL character) and an unpaired surrogate such as <c>\ud800</c> (not a
/// character at all: UTF-8 cannot encode it, so neither the database nor a mail can hold it). A URL may carry
/// <c>%00</c>. These are refused here, in one place, before any route sees them: every JSON body
/// (<see cref="RequestJson"/>, through which <see cref="Body{T}"/> reads), every query parameter and every route value
/// (<see cref="UseRequestStrings"/>). The answer is a 400 naming the field (<c>name</c>, <c>stops[2].label</c>,
/// <c>permissions.canvass</c>, the query parameter's name). Every other string, control characters, right-to-left
/// marks and emoji included, is stored intact; length is each field's own rule.
/// </summary>
public static class RequestStrings
{
    public const string NulProblem = "must not contain the NUL character (\\u0000).";
    public const string SurrogateProblem = "must not contain an unpaired surrogate (\\ud800-\\udfff): it is not a character.";
    public const string PropertyNameProblem = "has a property name containing the NUL character or an unpaired surrogate.";

    /// <summary>Why a string cannot be stored, or null when it can.</summary>
    public static string? ProblemOf(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var span = text.AsSpan();
        if (span.Contains('\0')) return NulProblem;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1])) { i++; continue; }
            return SurrogateProblem;
        }
        return null;
    }

    /// <summary>
    /// The first string of a JSON document (a value or a property name, at any depth) that cannot be stored, with the
    /// path of its field; null when there is none or the document is malformed (the serializer then says why).
    /// Both can only arrive as <c>\u</c> escapes (a raw NUL byte or surrogate is not valid JSON or UTF-8), so a body
    /// without one is passed after a single vectorised search.
    /// </summary>
    public static (string Field, string Problem)? FindInJson(ReadOnlySpan<byte> json, JsonReaderOptions options)
    {
        if (json.IndexOf("\\u"u8) < 0) return null;
        try
        {
            return Scan(json, options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (string Field, string Problem)? Scan(ReadOnlySpan<byte> json, JsonReaderOptions options)
    {
        var reader = new Utf8JsonReader(json, options);
        // Each open container: an array's next index, or an object's current property name.
        var path = new List<(bool Array, int Index, string? Name)>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    path.Add((reader.TokenType == JsonTokenType.StartArray, 0, null));
                    continue;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    path.RemoveAt(path.Count - 1);
                    Advance(path);
                    continue;
                case JsonTokenType.PropertyName:
                    var name = Read(ref reader, out var nameProblem);
                    if (nameProblem is not null) return (PathOf(path, includeLast: false), PropertyNameProblem);
                    path[^1] = (false, 0, name);
                    continue;
                case JsonTokenType.String:
                    if (reader.ValueIsEscaped)
                    {
                        Read(ref reader, out var problem);
                        if (problem is not null) return (PathOf(path, includeLast: true), problem);
                    }
                    Advance(path);
                    continue;
                default:
                    Advance(path);
                    continue;
            }
        }
        return null;
    }

    private static string? Read(ref Utf8JsonReader reader, out string? problem)
    {
        try
        {
            var text = reader.GetString();
            problem = ProblemOf(text);
            return text;
        }
        catch (InvalidOperationException)
        {
            // The reader refuses to unescape an unpaired surrogate.
            problem = SurrogateProblem;
            return null;
        }
    }

    private static void Advance(List<(bool Array, int Index, string? Name)> path)
    {
        if (path.Count > 0 && path[^1].Array) path[^1] = (true, path[^1].Index + 1, null);
    }

    private static string PathOf(List<(bool Array, int Index, string? Name)> path, bool includeLast)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < path.Count; i++)
        {
            var (array, index, name) = path[i];
            if (i == path.Count - 1 && !includeLast) break;
            if (array) text.Append('[').Append(index).Append(']');
            else if (name is not null) text.Append(text.Length == 0 ? "" : ".").Append(name);
        }
        return text.Length == 0 ? "body" : text.ToString();
    }

    /// <summary>
    /// Refuses a request whose query parameters or route values carry a string that cannot be stored (400 naming the
    /// parameter), before the route runs. Runs after routing has chosen the endpoint.
    /// </summary>
    public static IApplicationBuilder UseRequestStrings(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        Dictionary<string, string[]>? errors = null;
        var request = context.Request;
        if (request.QueryString.HasValue)
            foreach (var (key, values) in request.Query)
            {
                if (ProblemOf(key) is not null) (errors ??= [])["query"] = [PropertyNameProblem];
                foreach (var value in values)
                    if (ProblemOf(value) is { } problem) (errors ??= [])[key] = [problem];
            }
        foreach (var (key, value) in request.RouteValues)
            if (value is string text && ProblemOf(text) is { } problem) (errors ??= [])[key] = [problem];
        if (errors is not null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new Microsoft.AspNetCore.Http.HttpValidationProblemDetails(errors)
                {
                    Status = StatusCodes.Status400BadRequest,
                    Title = "Invalid request",
                    Detail = string.Join(" ", errors.Select(e => $"{e.Key}: {e.Value[0]}")),
                },
            });
            return;
        }
        await next(context);
    });
}
