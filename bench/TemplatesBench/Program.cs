using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Auth;
using ChangemakerLite.Grains.Interfaces.Templates;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.Grains.Templates;
using ChangemakerLite.TestSupport;

// Templates and settings figures:
//  1. rendering a cached template with 10 variables on one thread (renders/s and CPU µs per render);
//  2. how long a change takes to be seen everywhere in a cluster of two silos and two frontends (LocalCluster, real
//     HTTP, real SMTP sink, a fresh database on TEST_DATABASE_URL's server): a feature toggle on both frontends, a
//     template and SMTP settings change in each silo's sender.
// Usage: TEST_DATABASE_URL=postgresql://... dotnet run -c Release --project bench/TemplatesBench -- [render-seconds] [rounds]

var renderSeconds = Arg(0, 3);
var rounds = Arg(1, 3);
Console.WriteLine($"cores={Environment.ProcessorCount} render-seconds={renderSeconds} rounds={rounds}");

// 1. Rendering.
var variables = Enumerable.Range(1, 10).Select(i => new TemplateVariable($"VAR_{i}", $"Variable {i}", i <= 5, $"value {i}")).ToList();
var html = "<html><body><h1>{{VAR_1}}</h1>" + string.Concat(Enumerable.Range(2, 9).Select(i => $"<p>Line {i}: {{{{VAR_{i}}}}}</p>"))
           + "{{#if VAR_10}}<p>Optional: {{VAR_10}}</p>{{/if}}<p>Thank you for volunteering with the campaign.</p></body></html>";
var text = "Hello {{VAR_1}},\n" + string.Concat(Enumerable.Range(2, 9).Select(i => $"Line {i}: {{{{VAR_{i}}}}}\n")) + "{{#if VAR_10}}Optional: {{VAR_10}}{{/if}}\n";
var renderer = new TemplateRenderer(null!);
var source = new TemplateSource(Guid.NewGuid(), 1, "bench", true, "Subject for {{VAR_1}} and {{VAR_2}}", html, text, variables);
var data = TemplateRenderer.ParseData(JsonSerializer.Serialize(variables.ToDictionary(v => v.Key, v => $"<{v.SampleValue} & more>")));
for (var i = 0; i < 20_000; i++) TemplateRenderer.Render(renderer.Get(source), data); // warm-up: tiered JIT
var renders = 0L;
var cpuBefore = CurrentThreadCpu();
var clock = Stopwatch.StartNew();
while (clock.Elapsed < TimeSpan.FromSeconds(renderSeconds))
{
    for (var i = 0; i < 1000; i++) TemplateRenderer.Render(renderer.Get(source), data);
    renders += 1000;
}
var wall = clock.Elapsed;
var cpu = CurrentThreadCpu() - cpuBefore;
Console.WriteLine($"render: {renders / wall.TotalSeconds:N0} renders/s on one thread, {cpu.TotalMicroseconds / renders:N2} CPU µs per render " +
                  $"(subject + HTML + text, 10 variables, cached; compilations: {renderer.Compilations})");

// 2. Propagation across a cluster.
await using var db = await TestDatabase.CreateAsync();
await using var cluster = await LocalCluster.StartAsync(db, silos: 2, frontends: 2, settings: new Dictionary<string, string?>
{
    ["Logging:LogLevel:Default"] = "Error",
});
var adminUser = await TestUsers.CreateAsync(db, UserRole.SuperAdmin);
var token = TestTokens.Mint(cluster.SigningKey, adminUser.Id, adminUser.Email, UserRole.SuperAdmin, lifetime: TimeSpan.FromHours(1));
using var first = cluster.Http(0, token);
using var second = cluster.Http(1, token);

var key = "bench-propagation";
var created = await first.PostAsJsonAsync("/api/email-templates", new
{
    key, name = "Bench", category = "SYSTEM", subjectLine = "Round 0 {{N}}", htmlContent = "<p>{{N}}</p>", textContent = "{{N}}",
    variables = new object[] { new { key = "N", label = "N", isRequired = true, sampleValue = "0" } },
});
var templateId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

var toggleDelays = new List<double>();
var mailDelays = new List<double>();
for (var round = 1; round <= rounds; round++)
{
    // A toggle: switched off through the first frontend; when does each frontend answer 404?
    var enable = round % 2 == 0;
    var changed = Stopwatch.StartNew();
    await first.PutAsJsonAsync("/api/settings", new { enableMap = enable });
    foreach (var (frontend, name) in new[] { (first, "frontend 0"), (second, "frontend 1") })
    {
        var expected = enable ? HttpStatusCode.OK : HttpStatusCode.NotFound;
        while ((await frontend.GetAsync("/api/shifts")).StatusCode != expected) await Task.Delay(10);
        toggleDelays.Add(changed.Elapsed.TotalMilliseconds);
        Console.WriteLine($"round {round}: toggle enableMap={enable} seen by {name} after {changed.Elapsed.TotalMilliseconds:N0} ms");
    }

    // A template and SMTP settings change: when does each silo's sender first deliver a message with both?
    var from = $"round{round}@changemaker.test";
    changed.Restart();
    await first.PatchAsJsonAsync($"/api/email-templates/{templateId}", new { subjectLine = $"Round {round} {{{{N}}}}" });
    await first.PutAsJsonAsync("/api/settings", new { smtpHost = "127.0.0.1", smtpPort = cluster.Mail.Port, smtpFromAddress = from });
    var seenBy = new Dictionary<string, double>();
    for (var batch = 0; batch < 200 && seenBy.Count < 2; batch++)
    {
        var recipients = Enumerable.Range(0, 10).Select(i => $"r{round}-{batch}-{i}@example.org").ToList();
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await EmailOutbox.EnqueueManyAsync(connection, transaction,
                recipients.Select(to => new OutboundEmail(key, to, null, new Dictionary<string, object?> { ["N"] = batch })).ToList());
            await transaction.CommitAsync();
        }
        while (!recipients.All(to => cluster.Mail.Messages.Any(m => m.To.Contains(to)))) await Task.Delay(5);
        foreach (var to in recipients)
        {
            var message = cluster.Mail.Messages.Single(m => m.To.Contains(to));
            if (!message.Subject.StartsWith($"Round {round} ") || message.From != from)
                throw new InvalidOperationException($"round {round}: a message after the change was '{message.Subject}' from {message.From}");
            var silo = await db.ScalarAsync<string>("SELECT locked_by FROM outbox_messages WHERE to_address = @to", ("to", to));
            seenBy.TryAdd(silo!, changed.Elapsed.TotalMilliseconds);
        }
    }
    foreach (var (silo, ms) in seenBy)
    {
        mailDelays.Add(ms);
        Console.WriteLine($"round {round}: template + SMTP change delivered by silo sender {silo.Split('/')[^1][..8]} after {ms:N0} ms (first message it sent after the change, including outbox polling and SMTP)");
    }
}
Console.WriteLine($"toggle seen by every frontend: max {toggleDelays.Max():N0} ms; template/settings change delivered by every silo: max {mailDelays.Max():N0} ms");
return;

// The process's CPU time: the rendering loop runs before the cluster starts, so it is the loop's (and the GC's).
static TimeSpan CurrentThreadCpu() => Process.GetCurrentProcess().TotalProcessorTime;

static int Arg(int index, int fallback) =>
    int.TryParse(Environment.GetCommandLineArgs().Skip(1).ElementAtOrDefault(index), out var value) ? value : fallback;
