using System.Buffers;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace DataExchange.Ledger.Hashing;

/// <summary>
/// RFC 9162 tree hasher for SHA-256 or SM3. Instances are stateless from the caller's point of view and
/// thread-safe: SHA-256 uses the one-shot <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/>, and SM3
/// reuses one <see cref="SM3Digest"/> per thread (a digest object is cheap to reset, costly to allocate per call).
/// </summary>
public abstract class TreeHasher : IHasher
{
    /// <summary>Domain-separation prefix of leaf hashes; keeps a leaf from being passed off as an inner node.</summary>
    public const byte LeafPrefix = 0x00;

    /// <summary>Domain-separation prefix of inner-node hashes.</summary>
    public const byte NodePrefix = 0x01;

    public static TreeHasher Sha256 { get; } = new Sha256TreeHasher();

    public static TreeHasher Sm3 { get; } = new Sm3TreeHasher();

    public static TreeHasher For(LogHashAlgorithm algorithm) => algorithm switch
    {
        LogHashAlgorithm.Sha256 => Sha256,
        LogHashAlgorithm.Sm3 => Sm3,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown log hash algorithm."),
    };

    public abstract LogHashAlgorithm Algorithm { get; }

    public int HashSize => 32;

    public byte[] Digest(ReadOnlySpan<byte> data)
    {
        var result = new byte[HashSize];
        Digest(data, result);
        return result;
    }

    public byte[] EmptyRoot() => Digest(ReadOnlySpan<byte>.Empty);

    public byte[] HashLeaf(ReadOnlySpan<byte> leaf)
    {
        var result = new byte[HashSize];
        HashLeaf(leaf, result);
        return result;
    }

    public byte[] HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var result = new byte[HashSize];
        HashChildren(left, right, result);
        return result;
    }

    public void HashLeaf(ReadOnlySpan<byte> leaf, Span<byte> destination)
    {
        // Prefix and data must be hashed as one message; small leaves go through the stack, big ones through a pooled buffer.
        int length = leaf.Length + 1;
        byte[]? rented = null;
        Span<byte> buffer = length <= 1024 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            buffer[0] = LeafPrefix;
            leaf.CopyTo(buffer[1..]);
            Digest(buffer, destination);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public void HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        if (left.Length != HashSize || right.Length != HashSize)
        {
            throw new ArgumentException($"Child hashes must be {HashSize} bytes.");
        }

        Span<byte> buffer = stackalloc byte[1 + (2 * 32)];
        buffer[0] = NodePrefix;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        Digest(buffer, destination);
    }

    /// <summary>Plain digest of <paramref name="data"/> into <paramref name="destination"/>.</summary>
    public abstract void Digest(ReadOnlySpan<byte> data, Span<byte> destination);

    private sealed class Sha256TreeHasher : TreeHasher
    {
        public override LogHashAlgorithm Algorithm => LogHashAlgorithm.Sha256;

        public override void Digest(ReadOnlySpan<byte> data, Span<byte> destination) => SHA256.HashData(data, destination);
    }

    private sealed class Sm3TreeHasher : TreeHasher
    {
        [ThreadStatic]
        private static SM3Digest? perThreadDigest;

        public override LogHashAlgorithm Algorithm => LogHashAlgorithm.Sm3;

        public override void Digest(ReadOnlySpan<byte> data, Span<byte> destination)
        {
            var digest = perThreadDigest ??= new SM3Digest();
            digest.Reset();
            digest.BlockUpdate(data);
            digest.DoFinal(destination);
        }
    }
}
