using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChangemakerLite.WebFrontend.Auth;

/// <summary>
/// Bearer-token validation that remembers the tokens it has accepted. A canvasser's phone sends the same access token
/// with every visit and batch of points until it expires; reading, checking the signature of and building the claims of
/// that token again for each request was the largest single cost of authentication. A remembered token is accepted
/// only until it expires (allowing the same clock skew as the first validation), and each request gets its own copy of
/// the identity. A token that fails is never remembered, so a bad or expired token is always checked afresh.
/// </summary>
public sealed class ValidatedTokenCache(TokenHandler inner, TimeProvider time) : TokenHandler
{
    // Far above the tokens live at once (one per signed-in user and lifetime); past it, expired ones are dropped.
    private const int MaxTokens = 200_000;

    private readonly ConcurrentDictionary<string, Accepted> _accepted = new(StringComparer.Ordinal);

    private sealed record Accepted(TokenValidationResult Result, DateTime AcceptUntilUtc);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (_accepted.TryGetValue(token, out var accepted))
        {
            if (now < accepted.AcceptUntilUtc) return Copy(accepted.Result);
            _accepted.TryRemove(token, out _);
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } validated && validated.ValidTo != DateTime.MinValue)
        {
            if (_accepted.Count >= MaxTokens) DropExpired(now);
            _accepted[token] = new Accepted(result, validated.ValidTo + validationParameters.ClockSkew);
            return Copy(result);
        }
        return result;
    }

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    private static TokenValidationResult Copy(TokenValidationResult result) => new()
    {
        IsValid = true,
        ClaimsIdentity = result.ClaimsIdentity.Clone(),
        SecurityToken = result.SecurityToken,
        TokenType = result.TokenType,
        Issuer = result.Issuer,
    };

    private void DropExpired(DateTime now)
    {
        foreach (var (token, accepted) in _accepted)
            if (now >= accepted.AcceptUntilUtc) _accepted.TryRemove(token, out _);
        if (_accepted.Count >= MaxTokens) _accepted.Clear();
    }
}
