namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>
/// One event for browsers: the topic they subscribed to, the SignalR method name they listen on,
/// and the camelCase JSON body. The body travels as text so that every module can add events
/// without a serializer change on the frontends.
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.platform.LiveEvent")]
public sealed record LiveEvent(
    [property: Id(0)] string Topic,
    [property: Id(1)] string Name,
    [property: Id(2)] string PayloadJson);
