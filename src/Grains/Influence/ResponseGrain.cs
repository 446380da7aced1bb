using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Influence;

/// <summary>
/// The single writer of one response of the wall: moderation, verification and upvotes. An upvote is a row of
/// <c>response_upvotes</c> (unique per user, or per IP for anonymous callers) and the count on the response is
/// raised in the same transaction only when that row was new, so the stored count always equals the rows.
/// </summary>
public sealed class ResponseGrain(NpgsqlDataSource db, TimeProvider time) : Grain, IResponseGrain
{
    private Guid ResponseId => this.GetPrimaryKey();

    public async Task<ResponseView> Moderate(ResponseStatus status)
    {
        if (status == ResponseStatus.Pending) throw DomainException.Invalid("status", "a response is approved or rejected.");
        return await db.Command($"""
            UPDATE representative_responses SET status = @status, updated_at = @now WHERE id = @id
            RETURNING {InfluenceRows.ResponseColumns}
            """, ("status", status), ("now", time.GetUtcNow()), ("id", ResponseId)).FirstOrDefaultAsync(InfluenceRows.ReadResponse)
            ?? throw DomainException.NotFound("The response");
    }

    public async Task<ResponseView> MarkVerified(string verifiedBy) =>
        await db.Command($"""
            UPDATE representative_responses SET is_verified = true, verified_at = coalesce(verified_at, @now), verified_by = @by, updated_at = @now
            WHERE id = @id
            RETURNING {InfluenceRows.ResponseColumns}
            """, ("now", time.GetUtcNow()), ("by", verifiedBy), ("id", ResponseId)).FirstOrDefaultAsync(InfluenceRows.ReadResponse)
        ?? throw DomainException.NotFound("The response");

    public async Task<UpvoteResult> Upvote(Guid? userId, string? userEmail, string? ip)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var response = await connection.Command(
            "SELECT campaign_id, status FROM representative_responses WHERE id = @id FOR UPDATE", transaction, ("id", ResponseId))
            .FirstOrDefaultAsync(r => (Campaign: r.Get<Guid>("campaign_id"), Status: r.Get<ResponseStatus>("status"), Found: true));
        if (!response.Found || response.Status != ResponseStatus.Approved) throw DomainException.NotFound("The response");
        // A signed-in caller is counted once as themself (whatever address they use); an anonymous one once per IP.
        var added = await connection.Command("""
            INSERT INTO response_upvotes (id, response_id, user_id, user_email, upvoted_ip)
            VALUES (@id, @response, @user, @email, @ip)
            ON CONFLICT DO NOTHING
            """, transaction, ("id", Ids.New()), ("response", ResponseId), ("user", userId), ("email", userId is null ? null : userEmail),
            ("ip", userId is null ? ip ?? "unknown" : null)).ExecuteAsync();
        if (added == 0)
            throw DomainException.Conflict("You have already upvoted this response.", new Dictionary<string, string> { ["reason"] = "already_upvoted" });
        var count = await connection.Command("""
            UPDATE representative_responses SET upvote_count = upvote_count + 1 WHERE id = @id RETURNING upvote_count
            """, transaction, ("id", ResponseId)).ScalarAsync<int>();
        await transaction.CommitAsync();
        GrainFactory.GetGrain<ICampaignGrain>(response.Campaign).UpvoteAdded().Ignore();
        return new UpvoteResult(ResponseId, count);
    }

    public async Task<TokenOutcome> UseToken(string token, bool verify)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var row = await connection.Command("""
            SELECT verification_token, report_token, verification_expires_at, token_used_at FROM representative_responses
            WHERE id = @id FOR UPDATE
            """, transaction, ("id", ResponseId))
            .FirstOrDefaultAsync(r => (Verify: r.GetOrNull<string>("verification_token"), Report: r.GetOrNull<string>("report_token"),
                Expires: r.GetValueOrNull<DateTimeOffset>("verification_expires_at"), Used: r.GetValueOrNull<DateTimeOffset>("token_used_at"),
                Found: true));
        if (!row.Found || (verify ? row.Verify : row.Report) != token) return TokenOutcome.Unknown;
        if (row.Used is not null) return TokenOutcome.AlreadyUsed;
        var now = time.GetUtcNow();
        if (row.Expires is { } expires && expires < now) return TokenOutcome.Expired;
        // One answer per request: using either link spends both.
        await connection.Command(verify
            ? """
              UPDATE representative_responses SET token_used_at = @now, is_verified = true, verified_at = @now, verified_by = 'representative',
                  updated_at = @now
              WHERE id = @id
              """
            : """
              UPDATE representative_responses SET token_used_at = @now, reported_at = @now, is_verified = false, status = 'REJECTED',
                  updated_at = @now
              WHERE id = @id
              """, transaction, ("now", now), ("id", ResponseId)).ExecuteAsync();
        await transaction.CommitAsync();
        return verify ? TokenOutcome.Verified : TokenOutcome.Reported;
    }
}
