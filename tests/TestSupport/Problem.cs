using System.Net;
using System.Text.Json;
using Xunit;
using Xunit.Sdk;

namespace ChangemakerLite.TestSupport;

/// <summary>
/// The one check of an error answer: the expected 4xx status, an RFC 7807 problem+json body whose "status" agrees,
/// and, where given, the field it names (its "errors" key) or the reason it gives. Any 5xx fails, with its body,
/// whatever was expected: a client's mistake never breaks the server.
/// </summary>
public static class Problem
{
    public const string MediaType = "application/problem+json";

    /// <summary>Asserts the answer is this problem and returns its body.</summary>
    public static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status, string? field = null, string? reason = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        var what = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}";
        NotServerError(response, text);
        if (response.StatusCode != status)
            throw new XunitException($"{what}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == MediaType,
            $"{what}: a {(int)status} must be {MediaType}, was {response.Content.Headers.ContentType?.MediaType ?? "no body"}: {text}");
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.True(body.TryGetProperty("status", out var bodyStatus) && bodyStatus.GetInt32() == (int)status, $"{what}: the body's status: {text}");
        if (field is not null)
            Assert.True(body.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"{what}: no error named '{field}': {text}");
        if (reason is not null)
            Assert.True(body.TryGetProperty("reason", out var given) && given.GetString() == reason, $"{what}: expected reason '{reason}': {text}");
        return body;
    }

    /// <summary>
    /// For an answer whose status is not the point (the authorization matrix's "let in" side): no 5xx, and any 4xx is
    /// problem+json.
    /// </summary>
    public static async Task NoServerError(HttpResponseMessage response, bool answersHtml = false)
    {
        var text = await response.Content.ReadAsStringAsync();
        NotServerError(response, text);
        if ((int)response.StatusCode >= 400)
            Assert.True(response.Content.Headers.ContentType?.MediaType == (answersHtml ? "text/html" : MediaType),
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: a {(int)response.StatusCode} must be {MediaType}: {text}");
    }

    private static void NotServerError(HttpResponseMessage response, string text)
    {
        if ((int)response.StatusCode >= 500)
            throw new XunitException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: server error {(int)response.StatusCode}: {text}");
    }
}
