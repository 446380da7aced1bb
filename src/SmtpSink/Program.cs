using ChangemakerLite.SmtpSink;

// The development mail sink: SMTP on SMTP_SINK_PORT, what it received listed as JSON on SMTP_SINK_HTTP_PORT.
var builder = WebApplication.CreateSlimBuilder(args);
var smtpPort = builder.Configuration.GetValue("SMTP_SINK_PORT", 2525);
var httpPort = builder.Configuration.GetValue("SMTP_SINK_HTTP_PORT", 8025);
var folder = builder.Configuration["SMTP_SINK_DIR"];
builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, httpPort));

var sink = new SmtpSinkServer(smtpPort, folder);
await sink.StartAsync();

var app = builder.Build();
app.MapGet("/messages", () => sink.Messages.OrderByDescending(m => m.ReceivedAt));
app.MapDelete("/messages", () => { sink.Clear(); return Results.NoContent(); });
app.Lifetime.ApplicationStopping.Register(() => sink.StopAsync().GetAwaiter().GetResult());
await app.RunAsync();
