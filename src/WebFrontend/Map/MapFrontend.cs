using System.Security.Claims;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Map;
using ChangemakerLite.WebFrontend.Platform;

// In the DI namespace so that FrontendApp registers the module with one line and no extra using.
namespace Microsoft.Extensions.DependencyInjection
{
    public static class MapFrontendServices
    {
        public static IServiceCollection AddMapFrontend(this IServiceCollection services, IConfiguration configuration)
        {
            services.AddSingleton(MapFrontendOptions.From(configuration));
            services.AddSingleton<ILiveTopicAuthorizer, JobTopicAuthorizer>();
            return services;
        }
    }
}

namespace ChangemakerLite.WebFrontend.Map
{
    /// <summary>MAP_IMPORT_MAX_BYTES (4 GiB: a large province's address parts) and MAP_WALK_SHEET_MAX_DOORS.</summary>
    public sealed record MapFrontendOptions(long MaxImportBytes, int MaxWalkSheetDoors)
    {
        public static MapFrontendOptions From(IConfiguration configuration) => new(
            configuration.GetValue("MAP_IMPORT_MAX_BYTES", 4L * 1024 * 1024 * 1024),
            configuration.GetValue("MAP_WALK_SHEET_MAX_DOORS", 5000));
    }

    /// <summary>
    /// <c>job:{id}</c>: the user who started the job, and the administrators of the app the job belongs to
    /// (map jobs: map admins; the jobs table's other jobs: media admins). SUPER_ADMIN administers everything.
    /// </summary>
    public sealed class JobTopicAuthorizer(IClusterClient client) : ILiveTopicAuthorizer
    {
        private const string Prefix = "job:";

        public bool Handles(string topic) => topic.StartsWith(Prefix, StringComparison.Ordinal);

        public async ValueTask<bool> MaySubscribe(ClaimsPrincipal user, string topic, CancellationToken cancellationToken)
        {
            if (AccessRules.RoleOf(user) is null || !Guid.TryParse(topic.AsSpan(Prefix.Length), out var jobId)) return false;
            var owner = await client.GetGrain<IMapQueryGrain>(0).GetJobOwner(jobId);
            if (owner is null) return false;
            if (owner.CreatedByUserId is { } creator && creator == AccessRules.UserIdOf(user)) return true;
            return AccessRules.CanAdminister(user, MapJobTypes.IsMapJob(owner.Type) ? AdminApp.Map : AdminApp.Media);
        }
    }
}
