using System.Security.Claims;
using System.Text;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChangemakerLite.WebFrontend.Auth;

/// <summary>Signs the short-lived access tokens: id, email, role and permissions, nothing secret.</summary>
public sealed class AccessTokens(FrontendSettings settings, TimeProvider time)
{
    private readonly SigningCredentials _credentials = new(
        new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.JwtSigningKey)), SecurityAlgorithms.HmacSha256);
    private readonly JsonWebTokenHandler _handler = new();

    public int LifetimeSeconds => (int)settings.AccessTokenLifetime.TotalSeconds;

    public string Issue(UserView user)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.JwtIssuer,
            Audience = settings.JwtIssuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + settings.AccessTokenLifetime,
            SigningCredentials = _credentials,
            Subject = new ClaimsIdentity(
            [
                new Claim(AccessRules.UserIdClaim, user.Id.ToString()),
                new Claim(AccessRules.EmailClaim, user.Email),
                new Claim(AccessRules.RoleClaim, EnumWireNames.ToWireName(user.Role)),
                new Claim(AccessRules.PermissionsClaim, user.Permissions),
            ]),
        });
    }
}
