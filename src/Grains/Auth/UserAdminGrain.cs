using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Auth;

[StatelessWorker]
public sealed class UserAdminGrain(NpgsqlDataSource db, TimeProvider time, LivePublisher live) : Grain, IUserAdminGrain
{
    public async Task<Page<UserView>> List(UserFilter filter, PageRequest page)
    {
        const string where = """
            WHERE (@search::text IS NULL OR email ILIKE '%' || @search || '%' OR name ILIKE '%' || @search || '%')
              AND (@role::user_role IS NULL OR role = @role)
              AND (@status::user_status IS NULL OR status = @status)
            """;
        var search = string.IsNullOrWhiteSpace(filter.Search) ? null : EscapeLike(filter.Search.Trim());
        (string, object?)[] parameters = [("search", search), ("role", filter.Role), ("status", filter.Status)];
        await using var connection = await db.OpenConnectionAsync();
        var total = await connection.Command($"SELECT count(*) FROM users {where}", null, parameters).ScalarAsync<long>();
        var items = await connection.Command($"""
            SELECT {UserRows.Columns} FROM users {where}
            ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset
            """, null, [.. parameters, ("limit", page.PageSize), ("offset", page.Offset)]).ListAsync(UserRows.Read);
        return new Page<UserView>(items, total, page.Page, page.PageSize);
    }

    public async Task<UserView> Get(Guid id) =>
        await db.Command($"SELECT {UserRows.Columns} FROM users WHERE id = @id", ("id", id)).FirstOrDefaultAsync(UserRows.Read)
        ?? throw DomainException.NotFound("The user");

    public async Task<UserView> Create(CreateUserCommand command)
    {
        PasswordPolicy.Enforce("password", command.Password);
        var now = time.GetUtcNow();
        var expiresAt = command.ExpiresAt?.ToUniversalTime();
        if (command.Role == UserRole.Temp)
        {
            expiresAt ??= command.ExpireDays is { } days ? now.AddDays(days) : null;
            if (expiresAt is null) throw DomainException.Invalid("expireDays", "A TEMP user needs expireDays or expiresAt.");
            if (expiresAt <= now) throw DomainException.Invalid("expiresAt", "must be in the future.");
        }
        await using var connection = await db.OpenConnectionAsync();
        return await UserRows.InsertAsync(connection, null, new UserRows.NewUser(
            EmailAddress.Normalize(command.Email), Passwords.Hash(command.Password), command.Name?.Trim(), command.Phone?.Trim(),
            command.Role, UserCreatedVia.Admin, NormalizePermissions(command.Permissions), expiresAt, command.ExpireDays,
            // An admin vouches for the address they typed in.
            EmailVerified: true, CreatedBy: command.CreatedBy), now);
    }

    public async Task<UserView> Update(Guid id, UpdateUserCommand command, Guid actingUserId)
    {
        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var current = await connection.Command($"SELECT {UserRows.Columns} FROM users WHERE id = @id FOR UPDATE", transaction, ("id", id))
            .FirstOrDefaultAsync(UserRows.Read) ?? throw DomainException.NotFound("The user");

        var role = command.Role ?? current.Role;
        var status = command.Status ?? current.Status;
        if (id == actingUserId && (role != current.Role || status != UserStatus.Active))
            throw DomainException.Conflict("You cannot change your own role or status; ask another SUPER_ADMIN.");
        if (current.Role == UserRole.SuperAdmin && (role != UserRole.SuperAdmin || status != UserStatus.Active))
            await EnsureAnotherActiveSuperAdmin(connection, transaction, id);
        var expiresAt = command.ExpiresAt?.ToUniversalTime() ?? current.ExpiresAt;
        if (role == UserRole.Temp && expiresAt is null)
            throw DomainException.Invalid("expiresAt", "A TEMP user needs an expiry.");

        var updated = (await connection.Command($"""
            UPDATE users SET name = @name, phone = @phone, role = @role, status = @status, permissions = @permissions::jsonb,
                             expires_at = @expiresAt, email_verified = @verified, updated_at = @now
            WHERE id = @id
            RETURNING {UserRows.Columns}
            """, transaction,
            ("name", command.Name?.Trim() ?? current.Name), ("phone", command.Phone?.Trim() ?? current.Phone), ("role", role),
            ("status", status), ("permissions", command.Permissions is null ? current.Permissions : NormalizePermissions(command.Permissions)),
            ("expiresAt", expiresAt), ("verified", command.EmailVerified ?? current.EmailVerified), ("now", now), ("id", id))
            .FirstOrDefaultAsync(UserRows.Read))!;
        if (status != UserStatus.Active)
            await UserRows.RevokeAllRefreshTokensAsync(connection, transaction, id, now);
        await transaction.CommitAsync();
        if (updated.Role != current.Role || updated.Status != current.Status || updated.Permissions != current.Permissions
            || updated.ExpiresAt != current.ExpiresAt)
            PublishAccountChanged(id);
        return updated;
    }

    public async Task Deactivate(Guid id, Guid actingUserId)
    {
        if (id == actingUserId) throw DomainException.Conflict("You cannot deactivate your own account.");
        var now = time.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var role = await connection.Command("SELECT role FROM users WHERE id = @id FOR UPDATE", transaction, ("id", id))
            .FirstOrDefaultAsync(r => (UserRole?)r.Get<UserRole>("role")) ?? throw DomainException.NotFound("The user");
        if (role == UserRole.SuperAdmin) await EnsureAnotherActiveSuperAdmin(connection, transaction, id);
        await connection.Command("UPDATE users SET status = 'INACTIVE', updated_at = @now WHERE id = @id", transaction, ("now", now), ("id", id)).ExecuteAsync();
        await UserRows.RevokeAllRefreshTokensAsync(connection, transaction, id, now);
        await transaction.CommitAsync();
        PublishAccountChanged(id);
    }

    /// <summary>Every frontend checks this user's live connections at once (and every frontend re-checks them all periodically).</summary>
    private void PublishAccountChanged(Guid id) => live.Publish(AccountEvents.Topic(id), AccountEvents.Changed, new { userId = id });

    /// <summary>The system must always keep one active SUPER_ADMIN, or nobody could administer users again.</summary>
    private static async Task EnsureAnotherActiveSuperAdmin(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid excluding)
    {
        var others = await connection.Command(
            "SELECT count(*) FROM users WHERE role = 'SUPER_ADMIN' AND status = 'ACTIVE' AND id <> @id", transaction, ("id", excluding))
            .ScalarAsync<long>();
        if (others == 0) throw DomainException.Conflict("This is the last active SUPER_ADMIN.");
    }

    /// <summary>Permissions are a JSON object of app name to true/false; anything else is refused.</summary>
    public static string NormalizePermissions(string? permissions)
    {
        if (string.IsNullOrWhiteSpace(permissions)) return "{}";
        try
        {
            using var document = JsonDocument.Parse(permissions);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw DomainException.Invalid("permissions", "must be a JSON object such as {\"map\": true}.");
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!KnownApps.Contains(property.Name))
                    throw DomainException.Invalid("permissions", $"unknown app '{property.Name}'; known: {string.Join(", ", KnownApps)}.");
                if (property.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw DomainException.Invalid("permissions", $"'{property.Name}' must be true or false.");
            }
            return document.RootElement.GetRawText();
        }
        catch (JsonException)
        {
            throw DomainException.Invalid("permissions", "must be a JSON object.");
        }
    }

    /// <summary>The apps a user may be given to administer, and the volunteer grants (<see cref="VolunteerGrants"/>).</summary>
    public static readonly string[] KnownApps = ["influence", "map", "shifts", "canvass", "media", "pages", "templates", "settings", "users",
        .. VolunteerGrants.Keys];

    private static string EscapeLike(string value) => value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
