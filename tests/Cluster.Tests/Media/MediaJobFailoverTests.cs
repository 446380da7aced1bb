using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.TestSupport;
using ChangemakerLite.TestSupport.Media;

namespace ChangemakerLite.Cluster.Tests.Media;

/// <summary>
/// A silo dies while it runs a media job: the job's reminder activates it on the other silo, which finds it RUNNING
/// with no run of its own, counts the lost attempt and runs it again to completion. It is never left RUNNING.
/// </summary>
// Its test kills a silo: the cluster is its own.
[ClusterPerTest]
public sealed class MediaJobFailoverTests : ClusterTest
{
    // A silo is killed under the frontends' traffic: the frontends must outlive it.
    protected override ClusterTopology Topology => ClusterTopology.Separate;
    private readonly string _root = TestMedia.NewRoot();

    protected override int Silos => 2;
    protected override int Frontends => 1;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["MEDIA_ROOT"] = _root,
        ["MEDIA_SLOTS_CPU"] = "1",
        ["MEDIA_JOB_CHECK_SECONDS"] = "2",
        ["MEDIA_RETRY_BASE_SECONDS"] = "0.5",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    [Fact]
    public async Task A_job_whose_silo_is_killed_mid_run_runs_again_on_the_other_silo()
    {
        var job = await Cluster.ClientOf(0).GetGrain<IMediaJobGrain>(Ids.New()).Create(new MediaJobSpec(MediaJobTypes.SelfTest,
            ResourceCategory.Cpu, 0, JsonSerializer.Serialize(new { seconds = 20, realtime = true }), null));
        await Eventually.True(async () => await Db.ScalarAsync<long>("SELECT processed FROM jobs WHERE id = @id AND status = 'running'", ("id", job.Id)) > 0,
            "the job is running and reporting progress");
        var runner = await Db.ScalarAsync<string>("SELECT silo FROM media_job_runs WHERE job_id = @id AND attempt = 1", ("id", job.Id));
        var victim = Enumerable.Range(0, 2).Single(i => Cluster.SiloService<ILocalSiloDetails>(i).SiloAddress.ToString() == runner);
        var survivor = Cluster.SiloService<ILocalSiloDetails>(1 - victim).SiloAddress.ToString();

        await Cluster.StopSiloAsync(victim, graceful: false);
        Assert.Equal("running", await Db.ScalarAsync<string>("SELECT status::text FROM jobs WHERE id = @id", ("id", job.Id)));

        await Eventually.True(async () => await Db.ScalarAsync<string>("SELECT status::text FROM jobs WHERE id = @id", ("id", job.Id)) == "completed",
            "the job completed on the surviving silo", TimeSpan.FromSeconds(120));
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT attempts FROM jobs WHERE id = @id", ("id", job.Id)));
        Assert.Equal("interrupted", await Db.ScalarAsync<string>("SELECT outcome FROM media_job_runs WHERE job_id = @id AND attempt = 1", ("id", job.Id)));
        Assert.Equal("completed", await Db.ScalarAsync<string>("SELECT outcome FROM media_job_runs WHERE job_id = @id AND attempt = 2", ("id", job.Id)));
        Assert.Equal(survivor, await Db.ScalarAsync<string>("SELECT silo FROM media_job_runs WHERE job_id = @id AND attempt = 2", ("id", job.Id)));
        Assert.Contains("interrupted", await Db.ScalarAsync<string>("SELECT log FROM jobs WHERE id = @id", ("id", job.Id)));
    }
}
