using ChangemakerLite.Silo;

switch (args.FirstOrDefault())
{
    case "migrate":
        return await SiloHost.MigrateAsync(args);
    case "bootstrap-admin":
        return await SiloHost.BootstrapAdminAsync(args);
}

using var host = SiloHost.Build(args);
await host.RunAsync();
return 0;
