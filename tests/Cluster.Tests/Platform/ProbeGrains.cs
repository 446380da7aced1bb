using Orleans.Placement;

namespace ChangemakerLite.Cluster.Tests.Platform;

[Alias("cml.tests.IProbeGrain")]
public interface IProbeGrain : IGrainWithIntegerKey
{
    [Alias("WhereAmI")] Task<string> WhereAmI();
}

[RandomPlacement]
public sealed class ProbeGrain(ILocalSiloDetails silo) : Grain, IProbeGrain
{
    public Task<string> WhereAmI() => Task.FromResult(silo.SiloAddress.ToString());
}

[GenerateSerializer, Alias("cml.tests.CounterState")]
public sealed class CounterState
{
    [Id(0)] public int Value { get; set; }
}

[Alias("cml.tests.ICounterGrain")]
public interface ICounterGrain : IGrainWithGuidKey
{
    [Alias("Increment")] Task<int> Increment();
    [Alias("Read")] Task<(int Value, Guid Activation)> Read();
    [Alias("Deactivate")] Task Deactivate();
}

public sealed class CounterGrain([PersistentState("counter")] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    private readonly Guid _activation = Guid.NewGuid();

    public async Task<int> Increment()
    {
        state.State.Value++;
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<(int Value, Guid Activation)> Read() => Task.FromResult((state.State.Value, _activation));

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

[GenerateSerializer, Alias("cml.tests.ReminderProbeState")]
public sealed class ReminderProbeState
{
    [Id(0)] public int Ticks { get; set; }
}

[Alias("cml.tests.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithGuidKey
{
    [Alias("Arm")] Task Arm(TimeSpan dueIn);
    [Alias("Ticks")] Task<int> Ticks();
}

public sealed class ReminderProbeGrain([PersistentState("reminderProbe")] IPersistentState<ReminderProbeState> state)
    : Grain, IReminderProbeGrain, IRemindable
{
    public Task Arm(TimeSpan dueIn) => this.RegisterOrUpdateReminder("probe", dueIn, TimeSpan.FromMinutes(1));

    public Task<int> Ticks() => Task.FromResult(state.State.Ticks);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.Ticks++;
        await state.WriteStateAsync();
    }
}
