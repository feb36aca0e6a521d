using DataExchange.Server.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.OpenApi.Models;

namespace DataExchange.Server.Hosting;

/// <summary>
/// REST/JSON beside gRPC: every method with a google.api.http annotation in protos/ is also served as HTTP/JSON
/// (Microsoft.AspNetCore.Grpc.JsonTranscoding) through the same interceptors (authentication, errors, limits), and
/// the OpenAPI document generated from the protos is served at /openapi/v1.json. Errors are the google.rpc.Status in
/// the protobuf JSON mapping, with their ErrorInfo, under the HTTP status Google's mapping gives the gRPC code.
/// </summary>
public static class RestApi
{
    public const string OpenApiPath = "/openapi/v1.json";


    public static IServiceCollection AddRestApi(this IServiceCollection services)
    {
        services.AddGrpc().AddJsonTranscoding(o =>
        {
            o.TypeRegistry = RpcErrors.DetailTypes;
            o.JsonSettings.WriteInt64sAsStrings = true; // the protobuf JSON mapping: int64 as strings
        });
        services.AddGrpcSwagger();
        services.TryAddEnumerable(Microsoft.Extensions.DependencyInjection.ServiceDescriptor.Transient<Microsoft.AspNetCore.Mvc.ApiExplorer.IApiDescriptionProvider, ResourcePathDescriptions>());
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "DataExchange API",
                Version = "v1",
                Description = "The cross-border data exchange ledger over REST/JSON: the gRPC API of protos/dataexchange/v1 transcoded. "
                    + "Authenticate with 'Authorization: Bearer <token>'; the published reads (checkpoints, proofs, signing keys, witnesses, "
                + "statistics, the public register) need none. Errors are google.rpc.Status with ErrorInfo (domain dataexchange).",
            });
            o.AddSecurityDefinition("bearer", new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer" });
            o.OperationFilter<TokenRequirements>();
            var comments = Path.Combine(AppContext.BaseDirectory, "DataExchange.Contracts.xml");
            if (File.Exists(comments))
            {
                o.IncludeXmlComments(comments);
                o.IncludeGrpcXmlComments(comments, includeControllerXmlComments: true);
            }
        });
        return services;
    }

    public static void Map(WebApplication app)
    {
        app.UseSwagger(o => o.RouteTemplate = "openapi/{documentName}.json");
    }
}

/// <summary>
/// Each operation's security: a bearer token, or (for <see cref="Auth.AnonymousReads"/>) none or a bearer token, so that
/// generated clients and the explorer call the published reads without one.
/// </summary>
public sealed class TokenRequirements : Swashbuckle.AspNetCore.SwaggerGen.IOperationFilter
{
    public void Apply(OpenApiOperation operation, Swashbuckle.AspNetCore.SwaggerGen.OperationFilterContext context)
    {
        var bearer = new OpenApiSecurityRequirement
        {
            [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = "bearer" } }] = [],
        };
        var method = context.ApiDescription.ActionDescriptor.EndpointMetadata
            .OfType<Microsoft.AspNetCore.Grpc.JsonTranscoding.GrpcJsonTranscodingMetadata>().FirstOrDefault()?.MethodDescriptor;
        operation.Security = method is not null && Auth.AnonymousReads.Allows($"/{method.Service.FullName}/{method.Name}")
            ? [new OpenApiSecurityRequirement(), bearer]
            : [bearer];
    }
}

/// <summary>
/// A transcoded (REST) request is parsed from JSON, not through the guarded gRPC marshaller: its strings are
/// normalised to NFC here, so that both doors give the service the same text (and the same idempotency hash).
/// </summary>
public sealed class RestRequestTextInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Normalize(request, context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Normalize(request, context);
        return continuation(request, responseStream, context);
    }

    private static void Normalize(object request, ServerCallContext context)
    {
        if (request is not IMessage message
            || context.GetHttpContext().Request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        try
        {
            RequestValidator.NormalizeText(message);
        }
        catch (ArgumentException)
        {
            throw RpcErrors.MalformedRequest(message.Descriptor.FullName, "a string field is not valid Unicode.");
        }
    }
}

/// <summary>
/// Grpc.Swagger 0.10 writes a resource-name variable such as <c>{name=participants/*/tokens/*}</c> as one opaque
/// <c>{name}</c>, so GetParticipant, GetListing and GetTrade would all claim "GET /v1/{name}" and the document would
/// not build. This runs after it and spells each such variable out segment by segment, one path parameter per
/// wildcard named after its collection ("/v1/participants/{participant}/tokens/{token}"): the URL a client builds
/// from that document is the one the transcoder routes.
/// </summary>
public sealed class ResourcePathDescriptions : Microsoft.AspNetCore.Mvc.ApiExplorer.IApiDescriptionProvider
{
    public int Order => 0; // after Grpc.Swagger's provider (-900)

    public void OnProvidersExecuting(Microsoft.AspNetCore.Mvc.ApiExplorer.ApiDescriptionProviderContext context)
    {
    }

    public void OnProvidersExecuted(Microsoft.AspNetCore.Mvc.ApiExplorer.ApiDescriptionProviderContext context)
    {
        foreach (var description in context.Results)
        {
            var metadata = description.ActionDescriptor.EndpointMetadata
                .OfType<Microsoft.AspNetCore.Grpc.JsonTranscoding.GrpcJsonTranscodingMetadata>().FirstOrDefault();
            if (metadata is null || PatternOf(metadata.HttpRule) is not { } pattern)
            {
                continue;
            }

            var (path, parameters) = Expand(pattern);
            foreach (var (variable, names) in parameters)
            {
                var original = description.ParameterDescriptions.FirstOrDefault(p =>
                    p.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Path && p.Name == variable);
                if (original is null)
                {
                    continue;
                }

                description.ParameterDescriptions.Remove(original);
                foreach (var name in names)
                {
                    description.ParameterDescriptions.Add(new Microsoft.AspNetCore.Mvc.ApiExplorer.ApiParameterDescription
                    {
                        Name = name, ModelMetadata = original.ModelMetadata, Source = original.Source, DefaultValue = original.DefaultValue,
                        IsRequired = true, Type = typeof(string),
                    });
                }
            }

            description.RelativePath = path;
        }
    }

    private static string? PatternOf(Google.Api.HttpRule rule) => rule.PatternCase switch
    {
        Google.Api.HttpRule.PatternOneofCase.Get => rule.Get,
        Google.Api.HttpRule.PatternOneofCase.Post => rule.Post,
        Google.Api.HttpRule.PatternOneofCase.Put => rule.Put,
        Google.Api.HttpRule.PatternOneofCase.Patch => rule.Patch,
        Google.Api.HttpRule.PatternOneofCase.Delete => rule.Delete,
        _ => null,
    };

    /// <summary>
    /// "/v1/{name=participants/*/tokens/*}:revoke" → ("v1/participants/{participant}/tokens/{token}:revoke",
    /// [("name", ["participant", "token"])]); a plain "{filing_number}" stays as Grpc.Swagger named it.
    /// </summary>
    public static (string Path, List<(string Variable, List<string> Names)> Parameters) Expand(string pattern)
    {
        var text = pattern.TrimStart('/');
        var parameters = new List<(string, List<string>)>();
        var output = new System.Text.StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] != '{')
            {
                output.Append(text[i++]);
                continue;
            }

            var end = text.IndexOf('}', i);
            var body = text[(i + 1)..end];
            var equals = body.IndexOf('=');
            var variable = JsonPath(equals < 0 ? body : body[..equals]);
            if (equals < 0)
            {
                output.Append('{').Append(variable).Append('}');
            }
            else
            {
                var names = new List<string>();
                var segments = body[(equals + 1)..].Split('/');
                for (var s = 0; s < segments.Length; s++)
                {
                    if (s > 0) output.Append('/');
                    if (segments[s] is "*" or "**")
                    {
                        var collection = s > 0 ? segments[s - 1] : variable;
                        var name = collection.EndsWith('s') ? collection[..^1] : collection;
                        names.Add(name);
                        output.Append('{').Append(name).Append('}');
                    }
                    else
                    {
                        output.Append(segments[s]);
                    }
                }

                parameters.Add((variable, names));
            }

            i = end + 1;
        }

        return (output.ToString(), parameters);
    }

    private static string JsonPath(string fieldPath) => string.Join('.', fieldPath.Split('.').Select(part =>
    {
        var words = part.Split('_');
        return words[0] + string.Concat(words.Skip(1).Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));
    }));
}
