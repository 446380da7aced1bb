using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using Microsoft.IdentityModel.Tokens;

namespace ChangemakerLite.TestSupport;

/// <summary>Signs access tokens the way an attacker or a broken client might: with any key, issuer or lifetime.</summary>
public static class TestTokens
{
    public static string Mint(string signingKey, Guid userId, string email, UserRole role, string issuer = "changemaker-lite",
        TimeSpan? lifetime = null, string permissionsJson = "{}", DateTime? notBefore = null)
    {
        var now = notBefore ?? DateTime.UtcNow;
        var token = new JwtSecurityToken(
            issuer,
            issuer,
            [
                new Claim("sub", userId.ToString()),
                new Claim("email", email),
                new Claim("role", EnumWireNames.ToWireName(role)),
                new Claim("permissions", permissionsJson),
            ],
            now,
            now + (lifetime ?? TimeSpan.FromMinutes(15)),
            new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
