using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// Binds every gRPC service as Grpc.AspNetCore's own binder does (the generated <c>BindService</c>), but reads each
/// request through a guarded marshaller. Grpc.AspNetCore deserializes a request before any interceptor runs and answers
/// a body that does not parse with UNKNOWN ("Exception was thrown by handler"); here such a body (broken bytes, a
/// truncated message, an invalid wire type, invalid UTF-8 in a string field, nesting too deep) is INVALID_ARGUMENT with
/// ErrorInfo MALFORMED_REQUEST. Every string of a request that parses is normalised to NFC
/// (<see cref="RequestValidator.NormalizeText"/>) before any handler, validator or idempotency hash sees it.
/// </summary>
public sealed class GuardedServiceMethodProvider<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] TService>
    : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        for (var type = typeof(TService); type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } attribute)
            {
                var bind = attribute.BindType.GetMethod(attribute.BindMethodName, BindingFlags.Public | BindingFlags.Static,
                    binder: null, [typeof(ServiceBinderBase), type], modifiers: null)
                    ?? throw new InvalidOperationException($"{attribute.BindType} has no {attribute.BindMethodName}(ServiceBinderBase, {type.Name}).");
                bind.Invoke(null, [new Binder(context, type), null]);
                return;
            }
        }
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type declaringType) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, [typeof(TRequest), typeof(ServerCallContext)]);
            context.AddUnaryMethod(Guard(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name,
                [typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)]);
            context.AddServerStreamingMethod(Guard(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name,
                [typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)]);
            context.AddClientStreamingMethod(Guard(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name,
                [typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)]);
            context.AddDuplexStreamingMethod(Guard(method), metadata, invoker);
        }

        /// <summary>The service's override of the generated base method, and its metadata (as Grpc.AspNetCore builds them).</summary>
        private (TDelegate Invoker, List<object> Metadata) Model<TDelegate>(string name, Type[] parameters) where TDelegate : Delegate
        {
            MethodInfo? handler = null;
            for (var type = typeof(TService); type is not null && handler is null; type = type.BaseType)
            {
                var candidate = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance, binder: null, parameters, modifiers: null);
                if (candidate is { IsVirtual: true } && candidate.GetBaseDefinition().DeclaringType == declaringType)
                {
                    handler = candidate;
                }
            }

            if (handler is null)
            {
                throw new InvalidOperationException($"Could not find '{name}' on {typeof(TService)}.");
            }

            var metadata = new List<object>();
            metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
            metadata.AddRange(handler.GetCustomAttributes(inherit: true));
            metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
            return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler), metadata);
        }
    }

    private static Method<TRequest, TResponse> Guard<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class =>
        new(method.Type, method.ServiceName, method.Name, GuardedMarshaller(method.RequestMarshaller), method.ResponseMarshaller);

    private static Marshaller<T> GuardedMarshaller<T>(Marshaller<T> inner)
    {
        var typeName = (typeof(T).GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as MessageDescriptor)?.FullName
            ?? typeof(T).Name;
        return new Marshaller<T>(inner.ContextualSerializer, context =>
        {
            T message;
            try
            {
                message = inner.ContextualDeserializer(context);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw RpcErrors.MalformedRequest(typeName, e.Message);
            }
            catch (Exception e) when (e is not (OperationCanceledException or RpcException))
            {
                throw RpcErrors.MalformedRequest(typeName, "its bytes do not decode.");
            }

            if (message is IMessage parsed)
            {
                try
                {
                    RequestValidator.NormalizeText(parsed);
                }
                catch (ArgumentException)
                {
                    throw RpcErrors.MalformedRequest(typeName, "a string field is not valid Unicode.");
                }
            }

            return message;
        });
    }
}

public static class GuardedServiceMethods
{
    /// <summary>
    /// Replaces Grpc.AspNetCore's default binder (BinderServiceMethodProvider) with
    /// <see cref="GuardedServiceMethodProvider{TService}"/> for every service; call after AddGrpc. Fails at start, not
    /// silently, if a Grpc.AspNetCore upgrade renames the default.
    /// </summary>
    public static IServiceCollection AddGuardedServiceMethods(this IServiceCollection services)
    {
        var defaults = services.Where(d => d.ServiceType == typeof(IServiceMethodProvider<>)
            && d.ImplementationType is { Name: "BinderServiceMethodProvider`1" }).ToList();
        if (defaults.Count == 0)
        {
            throw new InvalidOperationException("Grpc.AspNetCore's BinderServiceMethodProvider is not registered: call AddGrpc first, "
                + "or this Grpc.AspNetCore version binds services differently (see GuardedServiceMethodProvider).");
        }

        foreach (var descriptor in defaults)
        {
            services.Remove(descriptor);
        }

        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(GuardedServiceMethodProvider<>));
        return services;
    }
}
