using ChangemakerLite.Grains.Interfaces.Platform;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.Grains.Platform;

/// <summary>
/// At every grain call's boundary, turns a transient infrastructure failure (see
/// <see cref="ServiceUnavailableException.IsTransient"/>) into a <see cref="ServiceUnavailableException"/>: Npgsql's
/// exceptions cannot be serialized back to the caller, which would otherwise get a codec error and answer 500.
/// </summary>
public sealed class UnavailableCallFilter(ILogger<UnavailableCallFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception ex) when (ex is not ServiceUnavailableException && ServiceUnavailableException.IsTransient(ex))
        {
            logger.LogWarning("{Method} failed on unreachable infrastructure: {Error}", context.InterfaceMethod?.Name, ex.GetType().Name);
            throw new ServiceUnavailableException($"Briefly unavailable ({ex.GetType().Name}); nothing was done.");
        }
    }
}
