using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Platform;

namespace ChangemakerLite.WebFrontend.Auth;

public static class AuthEndpoints
{
    public sealed record RegisterRequest(string? Email, string? Password, string? Name, string? Phone);
    public sealed record LoginRequest(string? Email, string? Password);
    public sealed record RefreshTokenRequest(string? RefreshToken);
    public sealed record VerifyEmailRequest(string? Token);
    public sealed record ForgotPasswordRequest(string? Email);
    public sealed record ResetPasswordRequest(string? Token, string? NewPassword);
    public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);
    /// <summary>The one answer to a registration, whatever the address: what happened is told by mail.</summary>
    public sealed record RegistrationAccepted(string Message);

    public sealed record SignInResponse(string AccessToken, string RefreshToken, int ExpiresIn, DateTimeOffset RefreshTokenExpiresAt, UserView User);

    public sealed record CreateUserRequest(string? Email, string? Password, string? Name, string? Phone, UserRole? Role,
        JsonElement? Permissions, int? ExpireDays, DateTimeOffset? ExpiresAt);
    public sealed record UpdateUserRequest(string? Name, string? Phone, UserRole? Role, UserStatus? Status, JsonElement? Permissions,
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

        // The same answer whether or not the address has an account; the detail goes to the address by mail.
        auth.MapPost("/register", async Task<Accepted<RegistrationAccepted>> (Body<RegisterRequest> request, HttpContext http, IClusterClient cluster, AbuseLimits limits, FrontendSettings settings) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.Email("email", body.Email);
            validation.Required("name", body.Name, 200);
            validation.MaxLength("phone", body.Phone, 50);
            NewPassword(validation, "password", body.Password);
            validation.ThrowIfInvalid();
            await limits.EnforceAsync("register", http, body.Email);
            await cluster.GetGrain<IAuthGrain>(0).Register(new RegisterCommand(body.Email!, body.Password!, body.Name!, body.Phone, settings.PublicBaseUrl));
            return TypedResults.Accepted((string?)null, new RegistrationAccepted("Check your email: we sent the next step to this address."));
        }).AllowAnonymous().ProducesProblems(400, 429);

        auth.MapPost("/login", async Task<Ok<SignInResponse>> (Body<LoginRequest> request, HttpContext http, IClusterClient cluster, AbuseLimits limits, AccessTokens tokens) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.Required("email", body.Email, 254);
            validation.Required("password", body.Password, 1000);
            validation.ThrowIfInvalid();
            var signIn = await limits.SignInAsync(http, body.Email!,
                () => cluster.GetGrain<IAuthGrain>(0).Login(body.Email!, body.Password!, http.Connection.RemoteIpAddress?.ToString()));
            return TypedResults.Ok(new SignInResponse(tokens.Issue(signIn.User), signIn.RefreshToken, tokens.LifetimeSeconds, signIn.RefreshTokenExpiresAt, signIn.User));
        }).AllowAnonymous().ProducesProblems(400, 401, 429);

        auth.MapPost("/refresh", async Task<Ok<SignInResponse>> (Body<RefreshTokenRequest> request, HttpContext http, IClusterClient cluster, AccessTokens tokens) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.Required("refreshToken", body.RefreshToken, 200);
            validation.ThrowIfInvalid();
            var signIn = await cluster.GetGrain<IAuthGrain>(0).Refresh(body.RefreshToken!, http.Connection.RemoteIpAddress?.ToString());
            return TypedResults.Ok(new SignInResponse(tokens.Issue(signIn.User), signIn.RefreshToken, tokens.LifetimeSeconds, signIn.RefreshTokenExpiresAt, signIn.User));
        }).AllowAnonymous().ProducesProblems(400, 401);

        auth.MapPost("/logout", async Task<NoContent> (Body<RefreshTokenRequest> request, HttpContext http, IClusterClient cluster) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.Required("refreshToken", body.RefreshToken, 200);
            validation.ThrowIfInvalid();
            await cluster.GetGrain<IAuthGrain>(0).Logout(CurrentUser(http), body.RefreshToken!);
            return TypedResults.NoContent();
        }).RequireAuthorization(Policies.SignedIn).ProducesProblems(400).ProducesAuthProblems();

        auth.MapGet("/me", async Task<Ok<UserView>> (HttpContext http, IClusterClient cluster) =>
                TypedResults.Ok(await cluster.GetGrain<IAuthGrain>(0).Me(CurrentUser(http))))
            .RequireAuthorization(Policies.SignedIn).ProducesProblems(404).ProducesAuthProblems();

        auth.MapPost("/verify-email", async Task<NoContent> (Body<VerifyEmailRequest> request, HttpContext http, IClusterClient cluster) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.Required("token", body.Token, 200);
            validation.ThrowIfInvalid();
            await cluster.GetGrain<IAuthGrain>(0).VerifyEmail(body.Token!);
            return TypedResults.NoContent();
        }).AllowAnonymous().ProducesProblems(400);

        auth.MapPost("/forgot-password", async Task<Accepted> (Body<ForgotPasswordRequest> request, HttpContext http, IClusterClient cluster, AbuseLimits limits, FrontendSettings settings) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.Email("email", body.Email);
            validation.ThrowIfInvalid();
            await limits.EnforceAsync("forgot-password", http, body.Email);
            await cluster.GetGrain<IAuthGrain>(0).ForgotPassword(body.Email!, settings.PublicBaseUrl);
            // The same answer whether or not the address has an account.
            return TypedResults.Accepted((string?)null);
        }).AllowAnonymous().ProducesProblems(400, 429);

        auth.MapPost("/reset-password", async Task<NoContent> (Body<ResetPasswordRequest> request, HttpContext http, IClusterClient cluster) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.Required("token", body.Token, 200);
            NewPassword(validation, "newPassword", body.NewPassword);
            validation.ThrowIfInvalid();
            await cluster.GetGrain<IAuthGrain>(0).ResetPassword(body.Token!, body.NewPassword!);
            return TypedResults.NoContent();
        }).AllowAnonymous().ProducesProblems(400);

        auth.MapPost("/change-password", async Task<NoContent> (Body<ChangePasswordRequest> request, HttpContext http, IClusterClient cluster) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.Required("currentPassword", body.CurrentPassword, 1000);
            NewPassword(validation, "newPassword", body.NewPassword);
            validation.ThrowIfInvalid();
            await cluster.GetGrain<IAuthGrain>(0).ChangePassword(CurrentUser(http), body.CurrentPassword!, body.NewPassword!);
            return TypedResults.NoContent();
        }).RequireAuthorization(Policies.SignedIn).ProducesProblems(400).ProducesAuthProblems();

        var users = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(Policies.SuperAdmin);

        users.MapGet("/", async Task<Ok<Page<UserView>>> (HttpContext http, IClusterClient cluster, string? search, string? role, string? status) =>
        {
            var page = Paging.From(http.Request);
            var validation = new Validation();
            validation.MaxLength("search", search, 200);
            var roleFilter = QueryEnum.Parse<UserRole>(validation, "role", role);
            var statusFilter = QueryEnum.Parse<UserStatus>(validation, "status", status);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<IUserAdminGrain>(0).List(new UserFilter(search, roleFilter, statusFilter), page));
        }).ProducesProblems(400).ProducesAuthProblems();

        users.MapPost("/", async Task<Created<UserView>> (Body<CreateUserRequest> request, HttpContext http, IClusterClient cluster) =>
        {
            var body = request.Value;
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
            return TypedResults.Created($"/api/users/{user.Id}", user);
        }).ProducesProblems(400, 409).ProducesAuthProblems();

        users.MapGet("/{id:guid}", async Task<Ok<UserView>> (Guid id, IClusterClient cluster) => TypedResults.Ok(await cluster.GetGrain<IUserAdminGrain>(0).Get(id)))
            .ProducesProblems(404).ProducesAuthProblems();

        users.MapPatch("/{id:guid}", async Task<Ok<UserView>> (Body<UpdateUserRequest> request, Guid id, HttpContext http, IClusterClient cluster) =>
        {
            var body = request.Value;
            var validation = new Validation();
            validation.MaxLength("name", body.Name, 200);
            validation.MaxLength("phone", body.Phone, 50);
            validation.ThrowIfInvalid();
            return TypedResults.Ok(await cluster.GetGrain<IUserAdminGrain>(0).Update(id, new UpdateUserCommand(body.Name, body.Phone, body.Role, body.Status,
                body.Permissions?.GetRawText(), body.ExpiresAt, body.EmailVerified), CurrentUser(http)));
        }).ProducesProblems(400, 404, 409).ProducesAuthProblems();

        users.MapDelete("/{id:guid}", async Task<NoContent> (Guid id, HttpContext http, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IUserAdminGrain>(0).Deactivate(id, CurrentUser(http));
            return TypedResults.NoContent();
        }).ProducesProblems(404, 409).ProducesAuthProblems();

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
