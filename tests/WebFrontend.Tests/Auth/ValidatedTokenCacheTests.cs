using System.Security.Claims;
using System.Text;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.TestSupport;
using ChangemakerLite.WebFrontend.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChangemakerLite.WebFrontend.Tests.Auth;

/// <summary>
/// The frontend remembers the access tokens it accepted; a remembered token must still stop working when it expires,
/// and a token it refused must be refused every time.
/// </summary>
public sealed class ValidatedTokenCacheTests
{
    private const string SigningKey = "a-signing-key-for-the-token-cache-tests-0123456789";
    private readonly ShiftedTimeProvider _clock = new();

    /// <summary>The app's validation rules, on the test's clock for both the cache and the lifetime check.</summary>
    private TokenValidationParameters Parameters() => new()
    {
        ValidIssuer = "changemaker-lite",
        ValidAudience = "changemaker-lite",
        IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = TimeSpan.FromSeconds(30),
        LifetimeValidator = (notBefore, expires, _, p) =>
            _clock.GetUtcNow().UtcDateTime < expires!.Value + p.ClockSkew && _clock.GetUtcNow().UtcDateTime >= notBefore!.Value - p.ClockSkew,
    };

    private ValidatedTokenCache NewCache() => new(new JsonWebTokenHandler { MapInboundClaims = false }, _clock);

    [Fact]
    public async Task A_token_accepted_before_is_refused_once_it_has_expired()
    {
        var cache = NewCache();
        var token = TestTokens.Mint(SigningKey, Guid.NewGuid(), "canvasser@example.org", UserRole.User, lifetime: TimeSpan.FromMinutes(15));

        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);

        _clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(31));
        var late = await cache.ValidateTokenAsync(token, Parameters());
        Assert.False(late.IsValid);
    }

    [Fact]
    public async Task A_tampered_token_is_refused_every_time_and_does_not_displace_the_genuine_one()
    {
        var cache = NewCache();
        var token = TestTokens.Mint(SigningKey, Guid.NewGuid(), "canvasser@example.org", UserRole.User);
        var forged = TestTokens.Mint("another-key-that-is-not-the-frontends-0123456789", Guid.NewGuid(), "admin@example.org", UserRole.SuperAdmin);

        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
        Assert.False((await cache.ValidateTokenAsync(forged, Parameters())).IsValid);
        Assert.False((await cache.ValidateTokenAsync(forged, Parameters())).IsValid);
        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
    }

    [Fact]
    public async Task Each_request_gets_its_own_identity_with_the_tokens_claims()
    {
        var cache = NewCache();
        var userId = Guid.NewGuid();
        var token = TestTokens.Mint(SigningKey, userId, "canvasser@example.org", UserRole.User);

        var first = (await cache.ValidateTokenAsync(token, Parameters())).ClaimsIdentity;
        var second = (await cache.ValidateTokenAsync(token, Parameters())).ClaimsIdentity;
        first.AddClaim(new Claim("added-by-one-request", "yes"));
        var third = (await cache.ValidateTokenAsync(token, Parameters())).ClaimsIdentity;

        Assert.NotSame(second, third);
        Assert.Equal(userId.ToString(), third.FindFirst("sub")?.Value);
        Assert.Equal("USER", third.FindFirst("role")?.Value);
        Assert.Null(second.FindFirst("added-by-one-request"));
        Assert.Null(third.FindFirst("added-by-one-request"));
    }
}
