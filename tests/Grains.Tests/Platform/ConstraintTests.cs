using ChangemakerLite.TestSupport;
using Npgsql;

namespace ChangemakerLite.Grains.Tests.Platform;

/// <summary>The schema's own guarantees, checked with real rows: duplicates refused, cascades and set-null rules applied.</summary>
public sealed class ConstraintTests : DatabaseTest
{

    private async Task<Guid> InsertUser(string email)
    {
        var id = Guid.NewGuid();
        await Db.ExecuteAsync("INSERT INTO users (id, email, password_hash, name) VALUES (@id, @email, 'x', 'n')", ("id", id), ("email", email));
        return id;
    }

    private async Task<Guid> InsertCampaign(string slug, Guid? createdBy = null)
    {
        var id = Guid.NewGuid();
        await Db.ExecuteAsync("INSERT INTO campaigns (id, slug, title, email_subject, email_body, created_by_user_id) VALUES (@id, @slug, 't', 's', 'b', @by)",
            ("id", id), ("slug", slug), ("by", createdBy));
        return id;
    }

    private static async Task AssertUniqueViolation(Func<Task> write)
    {
        var error = await Assert.ThrowsAsync<PostgresException>(write);
        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
    }

    [Fact]
    public async Task A_user_email_is_taken_once()
    {
        await InsertUser("ada@example.org");
        await AssertUniqueViolation(() => InsertUser("ada@example.org"));
    }

    [Fact]
    public async Task A_campaign_slug_is_taken_once()
    {
        await InsertCampaign("save-the-river");
        await AssertUniqueViolation(() => InsertCampaign("save-the-river"));
    }

    [Fact]
    public async Task A_volunteer_email_signs_up_once_per_shift()
    {
        var shift = Guid.NewGuid();
        await Db.ExecuteAsync("INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers) VALUES (@id, 'Doors', '2030-01-01', '09:00', '12:00', 5)", ("id", shift));
        const string signup = "INSERT INTO shift_signups (id, shift_id, shift_title, user_email, user_name) VALUES (@id, @shift, 'Doors', 'v@example.org', 'V')";
        await Db.ExecuteAsync(signup, ("id", Guid.NewGuid()), ("shift", shift));
        await AssertUniqueViolation(() => Db.ExecuteAsync(signup, ("id", Guid.NewGuid()), ("shift", shift)));
    }

    [Fact]
    public async Task A_response_is_upvoted_once_per_user_and_once_per_ip()
    {
        var user = await InsertUser("u@example.org");
        var campaign = await InsertCampaign("c1");
        var response = Guid.NewGuid();
        await Db.ExecuteAsync("""
            INSERT INTO representative_responses (id, campaign_id, campaign_slug, representative_name, representative_level, response_type, response_text)
            VALUES (@id, @c, 'c1', 'Rep', 'FEDERAL', 'EMAIL', 'text')
            """, ("id", response), ("c", campaign));
        const string upvote = "INSERT INTO response_upvotes (id, response_id, user_id, upvoted_ip) VALUES (@id, @r, @u, @ip)";
        await Db.ExecuteAsync(upvote, ("id", Guid.NewGuid()), ("r", response), ("u", user), ("ip", "10.0.0.1"));
        await AssertUniqueViolation(() => Db.ExecuteAsync(upvote, ("id", Guid.NewGuid()), ("r", response), ("u", user), ("ip", "10.0.0.2")));
        await AssertUniqueViolation(() => Db.ExecuteAsync(upvote, ("id", Guid.NewGuid()), ("r", response), ("u", null), ("ip", "10.0.0.1")));
        // Anonymous upvotes from different addresses are all kept.
        await Db.ExecuteAsync(upvote, ("id", Guid.NewGuid()), ("r", response), ("u", null), ("ip", "10.0.0.3"));
        Assert.Equal(2L, await Db.ScalarAsync<long>("SELECT count(*) FROM response_upvotes WHERE response_id = @r", ("r", response)));
    }

    [Fact]
    public async Task Deleting_a_campaign_removes_its_emails_responses_and_recipients_and_keeps_its_calls()
    {
        var campaign = await InsertCampaign("gone");
        await Db.ExecuteAsync("""
            INSERT INTO campaign_emails (id, campaign_id, campaign_slug, user_email, recipient_email, email_method, subject, message)
            VALUES (gen_random_uuid(), @c, 'gone', 'a@example.org', 'mp@example.org', 'SMTP', 's', 'm')
            """, ("c", campaign));
        await Db.ExecuteAsync("""
            INSERT INTO representative_responses (id, campaign_id, campaign_slug, representative_name, representative_level, response_type, response_text)
            VALUES (gen_random_uuid(), @c, 'gone', 'Rep', 'MUNICIPAL', 'LETTER', 'text')
            """, ("c", campaign));
        await Db.ExecuteAsync("INSERT INTO custom_recipients (id, campaign_id, campaign_slug, recipient_name, recipient_email) VALUES (gen_random_uuid(), @c, 'gone', 'R', 'r@example.org')", ("c", campaign));
        await Db.ExecuteAsync("INSERT INTO calls (id, representative_name, phone_number, campaign_id, campaign_slug) VALUES (gen_random_uuid(), 'Rep', '555', @c, 'gone')", ("c", campaign));

        await Db.ExecuteAsync("DELETE FROM campaigns WHERE id = @c", ("c", campaign));

        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM campaign_emails"));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM representative_responses"));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM custom_recipients"));
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM calls WHERE campaign_id IS NULL"));
    }

    [Fact]
    public async Task Deleting_a_location_removes_its_addresses_and_history()
    {
        var location = Guid.NewGuid();
        await Db.ExecuteAsync("INSERT INTO locations (id, latitude, longitude, address) VALUES (@id, 53.5461, -113.4938, '10 Main St')", ("id", location));
        await Db.ExecuteAsync("INSERT INTO addresses (id, location_id, unit_number) VALUES (gen_random_uuid(), @l, '1'), (gen_random_uuid(), @l, '2')", ("l", location));
        await Db.ExecuteAsync("INSERT INTO location_history (id, location_id, action) VALUES (gen_random_uuid(), @l, 'CREATED')", ("l", location));

        await Db.ExecuteAsync("DELETE FROM locations WHERE id = @id", ("id", location));

        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM addresses"));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM location_history"));
    }

    [Fact]
    public async Task Set_null_rules_keep_the_child_rows()
    {
        var user = await InsertUser("author@example.org");
        var campaign = await InsertCampaign("kept", user);
        var cut = Guid.NewGuid();
        await Db.ExecuteAsync("INSERT INTO cuts (id, name, geojson) VALUES (@id, 'Ward 1', '{\"type\":\"Polygon\",\"coordinates\":[]}')", ("id", cut));
        var shift = Guid.NewGuid();
        await Db.ExecuteAsync("INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers, cut_id) VALUES (@id, 'S', '2030-01-01', '09:00', '12:00', 5, @cut)", ("id", shift), ("cut", cut));

        await Db.ExecuteAsync("DELETE FROM users WHERE id = @id", ("id", user));
        await Db.ExecuteAsync("DELETE FROM cuts WHERE id = @id", ("id", cut));

        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM campaigns WHERE id = @c AND created_by_user_id IS NULL", ("c", campaign)));
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM shifts WHERE id = @s AND cut_id IS NULL", ("s", shift)));
    }

    [Fact]
    public async Task Deleting_a_shift_removes_its_signups()
    {
        var shift = Guid.NewGuid();
        await Db.ExecuteAsync("INSERT INTO shifts (id, title, date, start_time, end_time, max_volunteers) VALUES (@id, 'S', '2030-01-01', '09:00', '12:00', 5)", ("id", shift));
        await Db.ExecuteAsync("INSERT INTO shift_signups (id, shift_id, shift_title, user_email, user_name) VALUES (gen_random_uuid(), @s, 'S', 'x@example.org', 'X')", ("s", shift));
        await Db.ExecuteAsync("DELETE FROM shifts WHERE id = @s", ("s", shift));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM shift_signups"));
    }
}
