using ChangemakerLite.WebFrontend;

var app = FrontendApp.Build(args);
await app.RunAsync();
