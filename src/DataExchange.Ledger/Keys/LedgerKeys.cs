using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace DataExchange.Ledger.Keys;

/// <summary>
/// Key generation and PEM import/export for the checkpoint-signing keys, in the encodings stock OpenSSL 3 reads:
/// private keys as PKCS#8 "PRIVATE KEY", public keys as SubjectPublicKeyInfo "PUBLIC KEY". SM2 keys are EC keys
/// on the named curve sm2p256v1 (OID 1.2.156.10197.1.301), which OpenSSL 3 treats as SM2 keys.
/// </summary>
public static class LedgerKeys
{
    /// <summary>OID of the curve sm2p256v1.</summary>
    public static readonly DerObjectIdentifier Sm2CurveOid = GMObjectIdentifiers.sm2p256v1;

    private const string PrivateKeyLabel = "PRIVATE KEY";
    private const string PublicKeyLabel = "PUBLIC KEY";

    private static readonly SecureRandom Random = new();

    public static Ed25519PrivateKeyParameters GenerateEd25519() => new(Random);

    public static ECPrivateKeyParameters GenerateSm2()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(Sm2CurveOid, Random));
        return (ECPrivateKeyParameters)generator.GenerateKeyPair().Private;
    }

    public static Ed25519PublicKeyParameters PublicKeyOf(Ed25519PrivateKeyParameters privateKey) => privateKey.GeneratePublicKey();

    public static ECPublicKeyParameters PublicKeyOf(ECPrivateKeyParameters privateKey)
    {
        var q = new FixedPointCombMultiplier().Multiply(privateKey.Parameters.G, privateKey.D).Normalize();
        return new ECPublicKeyParameters(q, privateKey.Parameters);
    }

    /// <summary>PKCS#8 PEM of an Ed25519 or SM2 private key.</summary>
    public static string ExportPrivateKeyPem(AsymmetricKeyParameter privateKey)
    {
        byte[] der = privateKey switch
        {
            // PKCS#8 v1 exactly as RFC 8410 §7 shows it (BouncyCastle would add the optional public key, v2).
            Ed25519PrivateKeyParameters ed => new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), new DerOctetString(ed.GetEncoded())).GetDerEncoded(),
            ECPrivateKeyParameters ec => PrivateKeyInfoFactory.CreatePrivateKeyInfo(RequireSm2(ec)).GetDerEncoded(),
            _ => throw new ArgumentException($"Unsupported private key type {privateKey.GetType().Name}.", nameof(privateKey)),
        };
        return new string(PemEncoding.Write(PrivateKeyLabel, der)) + "\n";
    }

    /// <summary>SubjectPublicKeyInfo DER (named curve, uncompressed point for SM2).</summary>
    public static byte[] ExportSubjectPublicKeyInfo(AsymmetricKeyParameter publicKey) => publicKey switch
    {
        Ed25519PublicKeyParameters ed => SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(ed).GetDerEncoded(),
        ECPublicKeyParameters ec => SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(RequireSm2(ec)).GetDerEncoded(),
        _ => throw new ArgumentException($"Unsupported public key type {publicKey.GetType().Name}.", nameof(publicKey)),
    };

    /// <summary>"BEGIN PUBLIC KEY" PEM (SubjectPublicKeyInfo).</summary>
    public static string ExportPublicKeyPem(AsymmetricKeyParameter publicKey) =>
        new string(PemEncoding.Write(PublicKeyLabel, ExportSubjectPublicKeyInfo(publicKey))) + "\n";

    /// <summary>Public PEM of the public half of a private key.</summary>
    public static string ExportPublicKeyPemOf(AsymmetricKeyParameter privateKey) => privateKey switch
    {
        Ed25519PrivateKeyParameters ed => ExportPublicKeyPem(PublicKeyOf(ed)),
        ECPrivateKeyParameters ec => ExportPublicKeyPem(PublicKeyOf(ec)),
        _ => throw new ArgumentException($"Unsupported private key type {privateKey.GetType().Name}.", nameof(privateKey)),
    };

    public static Ed25519PrivateKeyParameters ImportEd25519PrivateKeyPem(string pem) =>
        ImportPrivate(pem) as Ed25519PrivateKeyParameters ?? throw new ArgumentException("PEM does not hold an Ed25519 private key.", nameof(pem));

    public static Ed25519PublicKeyParameters ImportEd25519PublicKeyPem(string pem) =>
        ImportPublic(DecodePem(pem, PublicKeyLabel)) as Ed25519PublicKeyParameters ?? throw new ArgumentException("PEM does not hold an Ed25519 public key.", nameof(pem));

    public static ECPrivateKeyParameters ImportSm2PrivateKeyPem(string pem) =>
        RequireSm2(ImportPrivate(pem) as ECPrivateKeyParameters ?? throw new ArgumentException("PEM does not hold an EC (SM2) private key.", nameof(pem)));

    public static ECPublicKeyParameters ImportSm2PublicKeyPem(string pem) => ImportSm2SubjectPublicKeyInfo(DecodePem(pem, PublicKeyLabel));

    public static ECPublicKeyParameters ImportSm2SubjectPublicKeyInfo(byte[] spki) =>
        RequireSm2(ImportPublic(spki) as ECPublicKeyParameters ?? throw new ArgumentException("Not an EC (SM2) public key.", nameof(spki)));

    private static AsymmetricKeyParameter ImportPrivate(string pem)
    {
        try
        {
            return PrivateKeyFactory.CreateKey(DecodePem(pem, PrivateKeyLabel));
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw new ArgumentException($"Invalid PKCS#8 private key: {e.Message}", nameof(pem), e);
        }
    }

    private static AsymmetricKeyParameter ImportPublic(byte[] spki)
    {
        try
        {
            return PublicKeyFactory.CreateKey(spki);
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw new ArgumentException($"Invalid SubjectPublicKeyInfo: {e.Message}", nameof(spki), e);
        }
    }

    private static byte[] DecodePem(string pem, string label)
    {
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] != label)
        {
            throw new ArgumentException($"Expected a \"{label}\" PEM block.", nameof(pem));
        }

        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    private static T RequireSm2<T>(T key)
        where T : ECKeyParameters
    {
        if (key.Parameters is not ECNamedDomainParameters named || !named.Name.Equals(Sm2CurveOid))
        {
            throw new ArgumentException("EC key is not on the named curve sm2p256v1 (1.2.156.10197.1.301).");
        }

        return key;
    }
}
