using ChangemakerLite.Grains.Auth;
using ChangemakerLite.Grains.Interfaces.Shifts;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Shifts;

/// <summary>
/// Prepares a credential for a signup by email before the shift grain sees it. bcrypt takes a quarter of a
/// second of CPU; done here, on any silo and in parallel, it never queues the shift's other signups. It is
/// made for every such signup, whether or not an account turns out to be needed, so the answer takes as
/// long for a known email as for a new one and its timing tells nothing.
/// </summary>
[StatelessWorker]
public sealed class ShiftSignupIntakeGrain : Grain, IShiftSignupIntakeGrain
{
    public async Task<SignupView> SignUpPerson(Guid shiftId, PersonSignupCommand command) =>
        await GrainFactory.GetGrain<IShiftGrain>(shiftId).SignUpPerson(command, await NewCredential());

    public async Task<PublicSignupView> SignUpPublic(Guid shiftId, string email, string name, string? phone) =>
        await GrainFactory.GetGrain<IShiftGrain>(shiftId)
            .SignUpPublic(new PersonSignupCommand(email, name, phone, SignupSource.Public, null), await NewCredential());

    private static async Task<NewCredential> NewCredential()
    {
        var password = Secrets.NewReadablePassword();
        var hash = await Task.Run(() => Passwords.Hash(password));
        return new NewCredential(password, hash);
    }
}
