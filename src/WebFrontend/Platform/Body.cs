using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// A JSON request body bound by the minimal APIs: <c>async (Body&lt;CreateShiftRequest&gt; body, …) =&gt; …</c>.
/// It is read by <see cref="RequestJson"/>, so a malformed body, a value of the wrong type or an unknown enum
/// name is a 400/415 naming the field (the framework's own binder answers a bare 400), and it declares its
/// record as the request body so the OpenAPI document describes it.
/// </summary>
public sealed record Body<T>(T Value) : IBindableFromHttpContext<Body<T>>, IEndpointParameterMetadataProvider where T : class
{
    public static async ValueTask<Body<T>?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        new(await RequestJson.ReadAsync<T>(context.Request));

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(T)));
}
