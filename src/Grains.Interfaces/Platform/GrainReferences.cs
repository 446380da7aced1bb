using Orleans.Runtime;

namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>
/// Grain references for the paths every canvasser's request takes. Orleans' <c>GetGrain&lt;T&gt;(key)</c> works out T's
/// grain interface type by reading its attributes on every call, which was a few percent of a frontend's CPU at a
/// thousand requests a second. T's interface and grain types never change, so they are taken from the first
/// reference made the usual way and reused; a reference made before the client knows the cluster's grain types (a
/// pending, "sys." type) is not remembered.
/// </summary>
public static class GrainReferences
{
    public static T GetGrainById<T>(this IGrainFactory grains, Guid key) where T : IGrainWithGuidKey
    {
        if (Resolved<T>.Types is { } types)
            return (T)grains.GetGrain(GrainId.Create(types.Grain, GrainIdKeyExtensions.CreateGuidKey(key)), types.Interface);
        var reference = grains.GetGrain<T>(key);
        if (reference is GrainReference made && !made.GrainId.Type.ToString()!.StartsWith(GrainTypePrefix.SystemPrefix, StringComparison.Ordinal))
            Resolved<T>.Types = new ResolvedTypes(made.GrainId.Type, made.InterfaceType);
        return reference;
    }

    // A class, not a struct: other threads read the field while it is set, and a reference is written whole.
    private sealed record ResolvedTypes(GrainType Grain, GrainInterfaceType Interface);

    private static class Resolved<T>
    {
        public static ResolvedTypes? Types;
    }
}
