using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using DataExchange.Server.Infrastructure;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace DataExchange.Server.Auth;

/// <summary>
/// mTLS: which client certificates the server accepts and which participant each one is bound to.
/// <para>
/// A client certificate is accepted when it chains to DX_TLS_CLIENT_CA (the exchange's own CA for participants, not a
/// public one) and allows client authentication. The CA binds it to a participant by one subject alternative name URI,
/// <c>urn:dataexchange:participants/&lt;uuid&gt;</c>. The certificate does not replace the bearer token: every
/// authenticated call still needs a token, and the token must belong to that participant
/// (<see cref="ClientCertificateInterceptor"/>). So a leaked token is useless without the certificate's private key, a
/// leaked certificate is useless without a token, and revoking the token (RevokeApiToken) cuts access at once without
/// certificate revocation lists.
/// </para>
/// </summary>
public static class ClientCertificates
{
    public const string ParticipantUriPrefix = "urn:dataexchange:participants/";

    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private const string SubjectAlternativeName = "2.5.29.17";

    /// <summary>
    /// True when <paramref name="certificate"/> chains to one of <paramref name="authorities"/> (and to nothing else:
    /// the machine's trust store plays no part), is within its validity period and may be used for client
    /// authentication. Revocation is not checked (the exchange's CA publishes no CRL; revoke the token instead).
    /// </summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities, X509Chain? presented = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthentication));
        if (presented is not null)
        {
            // Intermediate CAs the client sent along: candidates for the path, never trust anchors.
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }

    /// <summary>
    /// The participant a certificate is bound to: its one <c>urn:dataexchange:participants/&lt;uuid&gt;</c> URI.
    /// Null, with the reason in <paramref name="problem"/>, when it names none, more than one, or a malformed one.
    /// </summary>
    public static Guid? ParticipantOf(X509Certificate2 certificate, out string? problem)
    {
        var named = new HashSet<Guid>();
        foreach (var uri in SubjectAlternativeNameUris(certificate))
        {
            if (!uri.StartsWith(ParticipantUriPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!Guid.TryParseExact(uri[ParticipantUriPrefix.Length..], "D", out var id))
            {
                problem = $"its URI '{Truncate(uri)}' does not end in a participant's UUID";
                return null;
            }

            named.Add(id);
        }

        (var participant, problem) = named.Count switch
        {
            0 => ((Guid?)null, $"it has no subject alternative name URI {ParticipantUriPrefix}<uuid>"),
            1 => (named.Single(), null),
            _ => (null, "it names more than one participant"),
        };
        return participant;
    }

    /// <summary>The URIs among the certificate's subject alternative names (RFC 5280 GeneralName [6] IA5String).</summary>
    public static IReadOnlyList<string> SubjectAlternativeNameUris(X509Certificate2 certificate)
    {
        if (certificate.Extensions[SubjectAlternativeName] is not { } extension)
        {
            return [];
        }

        var uris = new List<string>();
        var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
        try
        {
            var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (names.HasData)
            {
                if (names.PeekTag() == uriTag)
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            return []; // A malformed extension binds nothing.
        }

        return uris;
    }

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";
}

/// <summary>
/// Runs after authentication: when DX_TLS_CLIENT_CA is set and the connection carries a client certificate, the
/// caller's token must belong to the participant that certificate is bound to. Calls that need no token (health,
/// reflection) are not checked; the TLS handshake has already verified the certificate itself.
/// </summary>
public sealed class ClientCertificateInterceptor(ServerSettings settings) : Interceptor
{
    private readonly bool mutualTls = settings.Tls?.ClientCaFile is not null;

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        if (!mutualTls || context.CallerOrDefault() is not { } caller)
        {
            return;
        }

        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is null)
        {
            if (settings.Tls!.RequireClientCertificate)
            {
                // The handshake refuses such connections; this is the second lock on the door.
                throw RpcErrors.Unauthenticated("CLIENT_CERTIFICATE_REQUIRED", "This server requires a client certificate from the exchange's CA.");
            }

            return; // Optional mTLS: the token alone authenticates.
        }

        var bound = ClientCertificates.ParticipantOf(certificate, out var problem);
        if (bound is null)
        {
            throw RpcErrors.Unauthenticated("CLIENT_CERTIFICATE_NOT_BOUND",
                $"The client certificate is not bound to a participant: {problem}.");
        }

        if (bound != caller.ParticipantId)
        {
            throw RpcErrors.Unauthenticated("CLIENT_CERTIFICATE_MISMATCH",
                "The bearer token belongs to another participant than the one the client certificate was issued to.");
        }
    }
}
