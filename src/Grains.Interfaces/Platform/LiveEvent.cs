namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>
/// One event for browsers: the topics it goes to (a visit goes to its session, the live map and its cut's map, and
/// crosses to each frontend once for all three), the SignalR method name they listen on, and the camelCase JSON body.
/// The body travels as text so that every module can add events without a serializer change on the frontends.
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.platform.LiveEvent")]
public sealed record LiveEvent(
    [property: Id(0)] string[] Topics,
    [property: Id(1)] string Name,
    [property: Id(2)] string PayloadJson);
