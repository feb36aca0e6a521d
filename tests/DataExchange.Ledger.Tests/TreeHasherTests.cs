using System.Text;
using DataExchange.Ledger.Hashing;

namespace DataExchange.Ledger.Tests;

public class TreeHasherTests
{
    [Fact]
    public void EmptyRoot_Sha256_IsHashOfEmptyString()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hex.Encode(TreeHasher.Sha256.EmptyRoot()));
    }

    [Fact]
    public void Digest_Sm3OfAbc_MatchesStandardKnownAnswer()
    {
        Assert.Equal("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", Hex.Encode(TreeHasher.Sm3.Digest("abc"u8)));
    }

    [Fact]
    public void EmptyRoot_Sm3_IsSm3OfEmptyString()
    {
        // GB/T 32905 has no empty-string vector; this is SM3("") as computed by OpenSSL and other implementations.
        Assert.Equal("1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b", Hex.Encode(TreeHasher.Sm3.EmptyRoot()));
    }

    [Theory]
    [InlineData(LogHashAlgorithm.Sha256)]
    [InlineData(LogHashAlgorithm.Sm3)]
    public void HashLeafAndChildren_AnyAlgorithm_UseDomainSeparationPrefixes(LogHashAlgorithm algorithm)
    {
        var hasher = TreeHasher.For(algorithm);
        byte[] data = Encoding.ASCII.GetBytes("leaf");
        Assert.Equal(hasher.Digest([0x00, .. data]), hasher.HashLeaf(data));

        byte[] left = hasher.Digest("l"u8);
        byte[] right = hasher.Digest("r"u8);
        Assert.Equal(hasher.Digest([0x01, .. left, .. right]), hasher.HashChildren(left, right));
        Assert.NotEqual(hasher.HashLeaf([.. left, .. right]), hasher.HashChildren(left, right));
    }

    [Theory]
    [InlineData(LogHashAlgorithm.Sha256)]
    [InlineData(LogHashAlgorithm.Sm3)]
    public void HashLeaf_LargeLeaf_MatchesPrefixedDigest(LogHashAlgorithm algorithm)
    {
        var hasher = TreeHasher.For(algorithm);
        byte[] data = new byte[5000];
        new Random(7).NextBytes(data);
        Assert.Equal(hasher.Digest([0x00, .. data]), hasher.HashLeaf(data));
    }

    [Fact]
    public void HashChildren_DestinationAliasesInput_GivesSameResult()
    {
        var hasher = TreeHasher.Sm3;
        byte[] left = hasher.Digest("l"u8);
        byte[] right = hasher.Digest("r"u8);
        byte[] expected = hasher.HashChildren(left, right);
        hasher.HashChildren(left, right, right);
        Assert.Equal(expected, right);
    }

    [Fact]
    public void Sm3Hasher_UsedFromManyThreads_GivesConsistentResults()
    {
        byte[] expected = TreeHasher.Sm3.HashLeaf("same"u8);
        Parallel.For(0, 2000, _ => Assert.Equal(expected, TreeHasher.Sm3.HashLeaf("same"u8)));
    }
}
