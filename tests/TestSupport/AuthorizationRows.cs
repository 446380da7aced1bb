using ChangemakerLite.Grains.Interfaces.Auth;

namespace ChangemakerLite.TestSupport;

/// <summary>
/// One endpoint of the authorization matrix: who gets past its gate. Callers in <see cref="Allowed"/>
/// must not get 401/403 (a 400 for an empty body or a 404 for a made-up id is fine: the gate let them in);
/// everyone else gets 401 without a token and 403 with one.
/// </summary>
public sealed record EndpointAccess(string Method, string Path, bool Anonymous, params UserRole[] Allowed)
{
    /// <summary>A page for people (a link in an email): its 4xx answers are HTML pages too, not problem+json.</summary>
    public bool AnswersHtml { get; init; }

    public override string ToString() => $"{Method} {Path}";

    public static readonly UserRole[] Everyone = Enum.GetValues<UserRole>();
    public static readonly UserRole[] NonTemp = [UserRole.SuperAdmin, UserRole.InfluenceAdmin, UserRole.MapAdmin, UserRole.User];
    public static readonly UserRole[] MapAdmins = [UserRole.SuperAdmin, UserRole.MapAdmin];
    public static readonly UserRole[] InfluenceAdmins = [UserRole.SuperAdmin, UserRole.InfluenceAdmin];
    public static readonly UserRole[] SuperAdminOnly = [UserRole.SuperAdmin];
}

/// <summary>
/// Each module lists its endpoints in a class implementing this (tests/WebFrontend.Tests/&lt;Module&gt;/),
/// and the matrix test runs every row for every role. Use a made-up id ({id}) in paths.
/// </summary>
public interface IAuthorizationRows
{
    IEnumerable<EndpointAccess> Rows { get; }
}
