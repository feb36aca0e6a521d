namespace DataExchange.Ledger.Hashing;

/// <summary>
/// RFC 9162 §2.1 tree hashing: empty root H(""), leaf H(0x00 ‖ bytes), node H(0x01 ‖ left ‖ right).
/// Implementations are thread-safe.
/// </summary>
public interface IHasher
{
    LogHashAlgorithm Algorithm { get; }

    /// <summary>Digest length in bytes (32 for both SHA-256 and SM3).</summary>
    int HashSize { get; }

    /// <summary>Plain H(data), without any domain-separation prefix.</summary>
    byte[] Digest(ReadOnlySpan<byte> data);

    /// <summary>Root of the empty tree: H("").</summary>
    byte[] EmptyRoot();

    /// <summary>H(0x00 ‖ leaf).</summary>
    byte[] HashLeaf(ReadOnlySpan<byte> leaf);

    /// <summary>H(0x01 ‖ left ‖ right).</summary>
    byte[] HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right);

    /// <summary>H(0x00 ‖ leaf) written into <paramref name="destination"/> (at least <see cref="HashSize"/> bytes), no allocation.</summary>
    void HashLeaf(ReadOnlySpan<byte> leaf, Span<byte> destination);

    /// <summary>H(0x01 ‖ left ‖ right) written into <paramref name="destination"/>; it may alias either input.</summary>
    void HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination);
}
