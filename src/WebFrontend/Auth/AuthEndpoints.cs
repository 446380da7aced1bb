using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Auth;

public static class AuthEndpoints
{
    public sealed record RegisterBody(string? Email, string? Password, string? Name, string? Phone);
    public sealed record LoginBody(string? Email, string? Password);
    public sealed record RefreshBody(string? RefreshToken);
    public sealed record TokenBody(string? Token);
    public sealed record EmailBody(string? Email);
    public sealed record ResetBody(string? Token, string? NewPassword);
    public sealed record ChangePasswordBody(string? CurrentPassword, string? NewPassword);
    public sealed record SignInResponse(string AccessToken, string RefreshToken, int ExpiresIn, DateTimeOffset RefreshTokenExpiresAt, UserView User);

    public sealed record CreateUserBody(string? Email, string? Password, string? Name, string? Phone, UserRole? Role,
        JsonElement? Permissions, int? ExpireDays, DateTimeOffset? ExpiresAt);
    public sealed record UpdateUserBody(string? Name, string? Phone, UserRole? Role, UserStatus? Status, JsonElement? Permissions,
        DateTimeOffset? ExpiresAt, bool? EmailVerified);

    public static IServiceCollection AddAuthFrontend(this IServiceCollection services)
    {
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<AbuseLimits>();
        return services;
    }

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");

        auth.MapPost("/register", async (HttpContext http, IClusterClient cluster, AbuseLimits limits, FrontendSettings settings) =>
        {
            var body = await RequestJson.ReadAsync<RegisterBody>(http.Request);
            var validation = new Validation();
            validation.Email("email", body.Email);
            validation.Required("name", body.Name, 200);
            validation.MaxLength("phone", body.Phone, 50);
            NewPassword(validation, "password", body.Password);
            validation.ThrowIfInvalid();
            await limits.EnforceAsync("register", http, body.Email);
            var user = await cluster.GetGrain<IAuthGrain>(0).Register(new RegisterCommand(body.Email!, body.Password!, body.Name!, body.Phone, settings.PublicBaseUrl));
            return Results.Created("/api/auth/me", user);
        }).AllowAnonymous();

        auth.MapPost("/login", async (HttpContext http, IClusterClient cluster, AbuseLimits limits, AccessTokens tokens) =>
        {
            var body = await RequestJson.ReadAsync<LoginBody>(http.Request);
            var validation = new Validation();
            validation.Required("email", body.Email, 254);
            validation.Required("password", body.Password, 1000);
            validation.ThrowIfInvalid();
            await limits.EnforceAsync("login", http, body.Email);
            var signIn = await cluster.GetGrain<IAuthGrain>(0).Login(body.Email!, body.Password!, http.Connection.RemoteIpAddress?.ToString());
            return Results.Ok(new SignInResponse(tokens.Issue(signIn.User), signIn.RefreshToken, tokens.LifetimeSeconds, signIn.RefreshTokenExpiresAt, signIn.User));
        }).AllowAnonymous();

        auth.MapPost("/refresh", async (HttpContext http, IClusterClient cluster, AccessTokens tokens) =>
        {
            var body = await RequestJson.ReadAsync<RefreshBody>(http.Request);
            var validation = new Validation();
            validation.Required("refreshToken", body.RefreshToken, 200);
            validation.ThrowIfInvalid();
            var signIn = await cluster.GetGrain<IAuthGrain>(0).Refresh(body.RefreshToken!, http.Connection.RemoteIpAddress?.ToString());
            return Results.Ok(new SignInResponse(tokens.Issue(signIn.User), signIn.RefreshToken, tokens.LifetimeSeconds, signIn.RefreshTokenExpiresAt, signIn.User));
        }).AllowAnonymous();

        auth.MapPost("/logout", async (HttpContext http, IClusterClient cluster) =>
        {
            var body = await RequestJson.ReadAsync<RefreshBody>(http.Request);
            var validation = new Validation();
            validation.Required("refreshToken", body.RefreshToken, 200);
            validation.ThrowIfInvalid();
            await cluster.GetGrain<IAuthGrain>(0).Logout(CurrentUser(http), body.RefreshToken!);
            return Results.NoContent();
        }).RequireAuthorization(Policies.SignedIn);

        auth.MapGet("/me", (HttpContext http, IClusterClient cluster) => cluster.GetGrain<IAuthGrain>(0).Me(CurrentUser(http)))
            .RequireAuthorization(Policies.SignedIn);

        auth.MapPost("/verify-email", async (HttpContext http, IClusterClient cluster) =>
        {
            var body = await RequestJson.ReadAsync<TokenBody>(http.Request);
            var validation = new Validation();
            validation.Required("token", body.Token, 200);
            validation.ThrowIfInvalid();
            await cluster.GetGrain<IAuthGrain>(0).VerifyEmail(body.Token!);
            return Results.NoContent();
        }).AllowAnonymous();

        auth.MapPost("/forgot-password", async (HttpContext http, IClusterClient cluster, AbuseLimits limits, FrontendSettings settings) =>
        {
            var body = await RequestJson.ReadAsync<EmailBody>(http.Request);
            var validation = new Validation();
            validation.Email("email", body.Email);
            validation.ThrowIfInvalid();
            await limits.EnforceAsync("forgot-password", http, body.Email);
            await cluster.GetGrain<IAuthGrain>(0).ForgotPassword(body.Email!, settings.PublicBaseUrl);
            // The same answer whether or not the address has an account.
            return Results.Accepted();
        }).AllowAnonymous();

        auth.MapPost("/reset-password", async (HttpContext http, IClusterClient cluster) =>
        {
            var body = await RequestJson.ReadAsync<ResetBody>(http.Request);
            var validation = new Validation();
            validation.Required("token", body.Token, 200);
            NewPassword(validation, "newPassword", body.NewPassword);
            validation.ThrowIfInvalid();
            await cluster.GetGrain<IAuthGrain>(0).ResetPassword(body.Token!, body.NewPassword!);
            return Results.NoContent();
        }).AllowAnonymous();

        auth.MapPost("/change-password", async (HttpContext http, IClusterClient cluster) =>
        {
            var body = await RequestJson.ReadAsync<ChangePasswordBody>(http.Request);
            var validation = new Validation();
            validation.Required("currentPassword", body.CurrentPassword, 1000);
            NewPassword(validation, "newPassword", body.NewPassword);
            validation.ThrowIfInvalid();
            await cluster.GetGrain<IAuthGrain>(0).ChangePassword(CurrentUser(http), body.CurrentPassword!, body.NewPassword!);
            return Results.NoContent();
        }).RequireAuthorization(Policies.SignedIn);

        var users = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(Policies.SuperAdmin);

        users.MapGet("/", (HttpContext http, IClusterClient cluster, string? search, string? role, string? status) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            validation.MaxLength("search", search, 200);
            var roleFilter = QueryEnum.Parse<UserRole>(validation, "role", role);
            var statusFilter = QueryEnum.Parse<UserStatus>(validation, "status", status);
            validation.ThrowIfInvalid();
            return cluster.GetGrain<IUserAdminGrain>(0).List(new UserFilter(search, roleFilter, statusFilter), page);
        });

        users.MapPost("/", async (HttpContext http, IClusterClient cluster) =>
        {
            var body = await RequestJson.ReadAsync<CreateUserBody>(http.Request);
            var validation = new Validation();
            validation.Email("email", body.Email);
            validation.MaxLength("name", body.Name, 200);
            validation.MaxLength("phone", body.Phone, 50);
            validation.Required("role", body.Role);
            NewPassword(validation, "password", body.Password);
            validation.Range("expireDays", body.ExpireDays, 1, 3650);
            if (body.Role == UserRole.Temp && body.ExpireDays is null && body.ExpiresAt is null)
                validation.Add("expireDays", "is required for a TEMP user (or give expiresAt).");
            validation.ThrowIfInvalid();
            var user = await cluster.GetGrain<IUserAdminGrain>(0).Create(new CreateUserCommand(body.Email!, body.Password!, body.Name, body.Phone,
                body.Role!.Value, body.Permissions?.GetRawText(), body.ExpireDays, body.ExpiresAt, CurrentUser(http)));
            return Results.Created($"/api/users/{user.Id}", user);
        });

        users.MapGet("/{id:guid}", (Guid id, IClusterClient cluster) => cluster.GetGrain<IUserAdminGrain>(0).Get(id));

        users.MapPatch("/{id:guid}", async (Guid id, HttpContext http, IClusterClient cluster) =>
        {
            var body = await RequestJson.ReadAsync<UpdateUserBody>(http.Request);
            var validation = new Validation();
            validation.MaxLength("name", body.Name, 200);
            validation.MaxLength("phone", body.Phone, 50);
            validation.ThrowIfInvalid();
            return await cluster.GetGrain<IUserAdminGrain>(0).Update(id, new UpdateUserCommand(body.Name, body.Phone, body.Role, body.Status,
                body.Permissions?.GetRawText(), body.ExpiresAt, body.EmailVerified), CurrentUser(http));
        });

        users.MapDelete("/{id:guid}", async (Guid id, HttpContext http, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IUserAdminGrain>(0).Deactivate(id, CurrentUser(http));
            return Results.NoContent();
        });

        return app;
    }

    private static void NewPassword(Validation validation, string field, string? password)
    {
        var problems = PasswordPolicy.Problems(password);
        foreach (var problem in problems) validation.Add(field, problem);
    }

    /// <summary>The signed-in caller's id (the policies guarantee a valid token reached here).</summary>
    public static Guid CurrentUser(HttpContext http) =>
        AccessRules.UserIdOf(http.User) ?? throw new RequestValidationException(
            new Dictionary<string, string[]> { ["token"] = ["The access token names no user."] }, StatusCodes.Status401Unauthorized);
}
