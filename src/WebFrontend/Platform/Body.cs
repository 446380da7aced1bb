using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace ChangemakerLite.WebFrontend.Platform;

/// <summary>
/// A JSON request body bound by the minimal APIs: <c>async (Body&lt;CreateShiftRequest&gt; body, …) =&gt; …</c>.
/// It is read by <see cref="RequestJson"/>, so a malformed body, a value of the wrong type or an unknown enum
/// name is a 400/415 naming the field (the framework's own binder answers a bare 400), and it declares its
/// record as the request body so the OpenAPI document describes it.
/// A parameter declared <c>Body&lt;T&gt;?</c> is optional: a request without a body (no bytes, or no length and
/// no JSON media type) binds null; a body that is sent is read as strictly as a required one.
/// </summary>
public sealed record Body<T>(T Value) : IBindableFromHttpContext<Body<T>>, IEndpointParameterMetadataProvider where T : class
{
    public static async ValueTask<Body<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var request = context.Request;
        if ((request.ContentLength == 0 || (request.ContentLength is null && !request.HasJsonContentType())) && IsOptional(parameter))
            return null;
        return new(await RequestJson.ReadAsync<T>(request));
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(T), IsOptional(parameter)));

    private static bool IsOptional(ParameterInfo parameter) =>
        new NullabilityInfoContext().Create(parameter).WriteState == NullabilityState.Nullable;
}
