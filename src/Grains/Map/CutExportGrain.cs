using System.Runtime.CompilerServices;
using ChangemakerLite.Grains.Interfaces.Map;
using Npgsql;

namespace ChangemakerLite.Grains.Map;

/// <summary>Streams one export of a cut from its own activation, which goes away once the stream has ended.</summary>
public sealed class CutExportGrain(NpgsqlDataSource db) : Grain, ICutExportGrain
{
    public IAsyncEnumerable<CutAddressRow> StreamAddresses(Guid cutId) => Stream(cutId);

    private async IAsyncEnumerable<CutAddressRow> Stream(Guid cutId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            await foreach (var row in MapQueryGrain.ReadAddressesInCut(db, cutId, cancellationToken))
                yield return row;
        }
        finally
        {
            DeactivateOnIdle();
        }
    }
}
