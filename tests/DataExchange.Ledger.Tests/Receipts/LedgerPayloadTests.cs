using System.Text;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;

namespace DataExchange.Ledger.Tests.Receipts;

/// <summary>The ledger form of payloads: sealed texts reach the ledger as their commitments only.</summary>
public class LedgerPayloadTests
{
    [Fact]
    public void A_sealed_text_is_committed_to_by_its_commitment_alone_so_erasing_the_text_changes_no_digest()
    {
        var salt = new byte[16];
        var commitment = LedgerPayload.Commit(LogHashAlgorithm.Sha256, salt, "Zhang San, 138 0000 0000");
        var stored = $$"""{"TradeId":"t","Note":{"Commitment":"{{commitment}}","Salt":"{{Convert.ToBase64String(salt)}}","Text":"Zhang San, 138 0000 0000"},"At":"x"}""";
        var erased = $$"""{"At":"x","Note":{"Commitment":"{{commitment}}","Salt":null,"Text":null},"TradeId":"t"}""";

        var form = Encoding.UTF8.GetString(LedgerPayload.Canonical(Encoding.UTF8.GetBytes(stored)));
        Assert.Equal($$"""{"At":"x","Note":{"Commitment":"{{commitment}}"},"TradeId":"t"}""", form);
        Assert.DoesNotContain("Zhang", form, StringComparison.Ordinal);
        Assert.Equal(form, Encoding.UTF8.GetString(LedgerPayload.Canonical(Encoding.UTF8.GetBytes(erased))));
    }

    [Fact]
    public void The_commitment_is_the_hash_of_salt_and_text_and_only_the_right_pair_opens_it()
    {
        var salt = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        var expected = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes("交付完成")]));
        Assert.Equal(expected, LedgerPayload.Commit(LogHashAlgorithm.Sha256, salt, "交付完成"));
        Assert.True(LedgerPayload.Opens(expected, Convert.ToBase64String(salt), "交付完成"));
        Assert.False(LedgerPayload.Opens(expected, Convert.ToBase64String(salt), "交付未完成"));
        Assert.False(LedgerPayload.Opens(expected, Convert.ToBase64String(new byte[16]), "交付完成"));
        Assert.StartsWith("sm3:", LedgerPayload.Commit(LogHashAlgorithm.Sm3, salt, "x"), StringComparison.Ordinal);
    }

    [Fact]
    public void Payloads_without_sealed_texts_are_plain_rfc8785()
    {
        var json = """{"b":1,"a":{"Commitment":"c","Text":"t"},"Salt":"not a sealed value"}""";
        Assert.Equal("""{"Salt":"not a sealed value","a":{"Commitment":"c","Text":"t"},"b":1}""",
            Encoding.UTF8.GetString(LedgerPayload.Canonical(Encoding.UTF8.GetBytes(json))));
    }
}
