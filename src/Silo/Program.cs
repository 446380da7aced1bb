using ChangemakerLite.Silo;

if (args.FirstOrDefault() == "migrate")
    return await SiloHost.MigrateAsync(args);

using var host = SiloHost.Build(args);
await host.RunAsync();
return 0;
