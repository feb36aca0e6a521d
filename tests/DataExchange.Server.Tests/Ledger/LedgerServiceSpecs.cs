using System.Diagnostics;
using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using DataExchange.Ledger.Entries;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Notes;
using DataExchange.Server.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using LedgerCheckpoint = DataExchange.Ledger.Notes.Checkpoint;

namespace DataExchange.Server.Tests.Ledger;

public class LedgerServiceSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<Guid> AppendStreamAsync(int events)
    {
        var store = server.Services.GetRequiredService<IDocumentStore>();
        var id = Guid.CreateVersion7();
        await using var session = store.LightweightSession();
        session.Events.Append(id, Enumerable.Range(0, events).Select(i => (object)new LedgerProbe(0, i, "trade step")).ToArray());
        await session.SaveChangesAsync();
        return id;
    }

    [Fact]
    public async Task Inclusion_and_consistency_proofs_verify_with_the_library_for_many_sizes()
    {
        for (var i = 0; i < 5; i++)
        {
            await AppendStreamAsync(7);
        }

        var latest = await server.CaughtUpCheckpointAsync();
        var leaves = await server.ReadLeavesAsync();
        var hasher = TreeHasher.Sha256;
        var roots = new Dictionary<long, byte[]>();
        var range = new CompactRange(hasher);
        foreach (var leaf in leaves.Take((int)latest.TreeSize))
        {
            range.Append(leaf.Entry.LeafHash(hasher));
            roots[range.Size] = range.Root();
        }

        var ledger = server.Operator.Ledger;
        foreach (var size in new long[] { 1, 2, 3, 7, 8, 13, latest.TreeSize - 1, latest.TreeSize })
        {
            foreach (var index in new long[] { 0, size / 2, size - 1 }.Distinct())
            {
                var proof = await ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = index, TreeSize = size });
                Assert.Equal(size, proof.TreeSize);
                Assert.True(MerkleProofs.VerifyInclusion(hasher, index, size, hasher.HashLeaf(proof.Entry.Leaf.Span),
                    proof.Hashes.Select(h => h.ToByteArray()).ToList(), roots[size]), $"inclusion of {index} in {size}");
            }

            foreach (var second in new[] { size, size + 1, latest.TreeSize }.Where(s => s <= latest.TreeSize))
            {
                var consistency = await ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = size, SecondTreeSize = second });
                Assert.True(MerkleProofs.VerifyConsistency(hasher, size, second, roots[size], roots[second],
                    consistency.Hashes.Select(h => h.ToByteArray()).ToList()), $"consistency {size} → {second}");
            }
        }

        // By event id, against the latest checkpoint (tree_size 0), with that checkpoint attached.
        var byEvent = await ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EventId = leaves[5].EventId.ToString() });
        Assert.Equal(5, byEvent.Entry.LeafIndex);
        Assert.Equal(latest.TreeSize, byEvent.Checkpoint.TreeSize);
        Assert.True(MerkleProofs.VerifyInclusion(hasher, 5, byEvent.TreeSize, hasher.HashLeaf(byEvent.Entry.Leaf.Span),
            byEvent.Hashes.Select(h => h.ToByteArray()).ToList(), byEvent.Checkpoint.RootHash.Span));
        Assert.Equal(leaves[5].Entry.StreamId, byEvent.Entry.StreamId);
    }

    [Fact]
    public async Task Checkpoints_are_signed_by_both_keys_and_verify_with_stock_openssl()
    {
        var checkpoint = await server.CaughtUpCheckpointAsync();
        var verifiers = server.Verifiers();
        var result = SignedNote.Verify(checkpoint.Note, verifiers);
        Assert.True(result.IsValid, result.Error);
        Assert.All(verifiers, v => Assert.True(result.IsVerifiedBy(v.KeyName, v.KeyId)));
        var parsed = LedgerCheckpoint.Parse(result.Text!);
        Assert.Equal((server.Origin, checkpoint.TreeSize), (parsed.Origin, parsed.Size));
        Assert.Equal(checkpoint.RootHash.ToByteArray(), parsed.RootHash);

        var keys = await server.As(null).Ledger.ListSigningKeysAsync(new ListSigningKeysRequest(), Authorised(ServerFixture.OperatorToken));
        Assert.Equal([SigningKeyType.Ed25519, SigningKeyType.Sm2Sm3], keys.Keys.Select(k => k.Type).Order());
        Assert.All(keys.Keys, k => Assert.Equal(0, k.ValidUntilTreeSize));

        var dir = Directory.CreateTempSubdirectory("dx-openssl-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "checkpoint.note"), checkpoint.Note);
        await File.WriteAllTextAsync(Path.Combine(dir, "sm2.pem"), keys.Keys.Single(k => k.Type == SigningKeyType.Sm2Sm3).PublicKeyPem);
        await File.WriteAllTextAsync(Path.Combine(dir, "ed25519.pem"), keys.Keys.Single(k => k.Type == SigningKeyType.Ed25519).PublicKeyPem);
        var script = """
            set -e
            sed '/^$/,$d' checkpoint.note > note.txt
            grep '^— dataexchange-sm2 '     checkpoint.note | cut -d' ' -f3 | base64 -d | tail -c +5 > sig.der
            grep '^— dataexchange-ed25519 ' checkpoint.note | cut -d' ' -f3 | base64 -d | tail -c +5 > sig.bin
            /usr/bin/openssl dgst -sm3 -verify sm2.pem -sigopt distid:1234567812345678 -signature sig.der note.txt
            /usr/bin/openssl pkeyutl -verify -pubin -inkey ed25519.pem -rawin -in note.txt -sigfile sig.bin
            """;
        var (exit, stdout) = await RunShellAsync(dir, script);
        Assert.True(exit == 0, stdout);
        Assert.Contains("Verified OK", stdout);
        Assert.Contains("Signature Verified Successfully", stdout);

        // One changed byte of the note text fails with OpenSSL too.
        var (badExit, _) = await RunShellAsync(dir, "sed -i '2s/.*/999999/' note.txt && /usr/bin/openssl dgst -sm3 -verify sm2.pem -sigopt distid:1234567812345678 -signature sig.der note.txt");
        Assert.NotEqual(0, badExit);
    }

    [Fact]
    public async Task A_receipt_is_only_for_a_trade_a_stream_of_other_events_is_refused_by_name()
    {
        var stream = await AppendStreamAsync(3);
        await server.CaughtUpCheckpointAsync();
        await Errors.Expect(StatusCode.FailedPrecondition, "NOT_A_TRADE_STREAM",
            () => server.Operator.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = $"trades/{stream}" }));
    }

    [Fact]
    public async Task Vendors_and_buyers_read_checkpoints_proofs_and_keys_but_not_the_whole_log_or_others_receipts()
    {
        var trade = await AppendStreamAsync(1);
        await server.CaughtUpCheckpointAsync();
        var (_, vendor, _) = await server.NewParticipantAsync("Qianhai Data", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var (_, buyer, _) = await server.NewParticipantAsync("Victoria Analytics", Region.HongKong, "", Role.Buyer);
        var (_, auditor, _) = await server.NewParticipantAsync("Big Four Audit", Region.HongKong, "", Role.Auditor);
        foreach (var party in new[] { vendor, buyer })
        {
            Assert.True((await party.Ledger.GetCheckpointAsync(new GetCheckpointRequest())).TreeSize > 0);
            await party.Ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = 0 });
            await party.Ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = 1 });
            Assert.Equal(2, (await party.Ledger.ListSigningKeysAsync(new ListSigningKeysRequest())).Keys.Count);
            await Errors.Expect(StatusCode.PermissionDenied, "AUDITOR_ROLE_REQUIRED", () => party.Ledger.ListEntriesAsync(new ListEntriesRequest()));
            await Errors.Expect(StatusCode.PermissionDenied, "AUDITOR_ROLE_REQUIRED", () => ReadAllAsync(party.Ledger.StreamEntries(new StreamEntriesRequest())));
            await Errors.Expect(StatusCode.PermissionDenied, "RECEIPT_PARTY_REQUIRED",
                () => party.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = $"trades/{trade}" }));
        }

        var page = await auditor.Ledger.ListEntriesAsync(new ListEntriesRequest { PageSize = 2 });
        Assert.Equal([0L, 1L], page.Entries.Select(e => e.LeafIndex));
        Assert.False(page.Entries[0].Payload.IsEmpty);
        var next = await auditor.Ledger.ListEntriesAsync(new ListEntriesRequest { PageSize = 2, PageToken = page.NextPageToken });
        Assert.Equal([2L, 3L], next.Entries.Select(e => e.LeafIndex));
        await Errors.Expect(StatusCode.InvalidArgument, "PAGE_TOKEN_FILTER_MISMATCH",
            () => auditor.Ledger.ListEntriesAsync(new ListEntriesRequest { PageSize = 2, PageToken = page.NextPageToken, StartLeafIndex = 1 }));
        var streamed = await ReadAllAsync(auditor.Ledger.StreamEntries(new StreamEntriesRequest { StartLeafIndex = 1, TreeSize = 4 }));
        Assert.Equal([1L, 2L, 3L], streamed.Select(e => e.LeafIndex));
        // An auditor gets past authorisation (the probe stream is not a trade, so no receipt is issued for it).
        await Errors.Expect(StatusCode.FailedPrecondition, "NOT_A_TRADE_STREAM",
            () => auditor.Ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = $"trades/{trade}" }));

        // Without a token: what the exchange publishes (checkpoints, proofs, keys) is readable; the log's contents are not.
        var anonymous = server.As(null).Ledger;
        Assert.True((await anonymous.GetCheckpointAsync(new GetCheckpointRequest())).TreeSize > 0);
        var hashesOnly = await anonymous.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = 0 });
        Assert.True(hashesOnly.Entry.Leaf.IsEmpty && hashesOnly.Entry.StreamId.Length == 0 && !hashesOnly.Entry.LeafHash.IsEmpty);
        await anonymous.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = 1 });
        Assert.NotEmpty((await anonymous.ListSigningKeysAsync(new ListSigningKeysRequest())).Keys);
        await Errors.Expect(StatusCode.Unauthenticated, "FRESH_CHECKPOINT_NEEDS_TOKEN", () => anonymous.GetCheckpointAsync(new GetCheckpointRequest { Fresh = true }));
        await Errors.Expect(StatusCode.Unauthenticated, "MISSING_TOKEN", () => anonymous.ListEntriesAsync(new ListEntriesRequest()));
        await Errors.Expect(StatusCode.Unauthenticated, "MISSING_TOKEN", () => ReadAllAsync(anonymous.StreamEntries(new StreamEntriesRequest())));
        await Errors.Expect(StatusCode.Unauthenticated, "MISSING_TOKEN", () => anonymous.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = $"trades/{trade}" }));
        // A bad token is refused even where no token is needed: it is a client's mistake worth naming.
        await Errors.Expect(StatusCode.Unauthenticated, "INVALID_TOKEN", () => server.As("dx_not-a-real-token").Ledger.GetCheckpointAsync(new GetCheckpointRequest()));
    }

    [Fact]
    public async Task Every_rpc_validates_its_fields_and_answers_not_found_beyond_the_log()
    {
        var size = (await server.CaughtUpCheckpointAsync()).TreeSize;
        var ledger = server.Operator.Ledger;
        async Task Invalid(Func<Task> call, params string[] fields) =>
            Assert.Equal(fields, (await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", call)).Fields());

        await Invalid(() => ledger.GetCheckpointAsync(new GetCheckpointRequest { MinTreeSize = -1 }).ResponseAsync, "min_tree_size");
        await Invalid(() => ledger.GetCheckpointAsync(new GetCheckpointRequest { MinTreeSize = 1, Fresh = true }).ResponseAsync, "fresh");
        await Invalid(() => ledger.GetInclusionProofAsync(new GetInclusionProofRequest()).ResponseAsync, "leaf");
        await Invalid(() => ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = -1, TreeSize = -2 }).ResponseAsync, "tree_size", "leaf_index");
        await Invalid(() => ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EventId = "nope" }).ResponseAsync, "event_id");
        await Invalid(() => ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = 0, SecondTreeSize = -1 }).ResponseAsync, "first_tree_size", "second_tree_size");
        await Invalid(() => ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = 5, SecondTreeSize = 3 }).ResponseAsync, "second_tree_size");
        await Invalid(() => ledger.ListEntriesAsync(new ListEntriesRequest { PageSize = 201, StartLeafIndex = -1 }).ResponseAsync, "page_size", "start_leaf_index");
        await Errors.Expect(StatusCode.InvalidArgument, "INVALID_PAGE_TOKEN", () => ledger.ListEntriesAsync(new ListEntriesRequest { PageToken = "garbage" }));
        await Invalid(() => ReadAllAsync(ledger.StreamEntries(new StreamEntriesRequest { StartLeafIndex = -1, TreeSize = -1 })), "start_leaf_index", "tree_size");
        await Invalid(() => ReadAllAsync(ledger.StreamEntries(new StreamEntriesRequest { StartLeafIndex = 5, TreeSize = 2 })), "start_leaf_index");
        await Invalid(() => ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest()).ResponseAsync, "trade_ref");
        await Invalid(() => ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = "listings/x" }).ResponseAsync, "trade");
        await Invalid(() => ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { FilingNumber = " " }).ResponseAsync, "filing_number");

        var beyond = size + 1000;
        await Errors.Expect(StatusCode.NotFound, "TREE_SIZE_BEYOND_LOG", () => ledger.GetCheckpointAsync(new GetCheckpointRequest { MinTreeSize = beyond }));
        await Errors.Expect(StatusCode.NotFound, "TREE_SIZE_BEYOND_LOG", () => ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = 0, TreeSize = beyond }));
        await Errors.Expect(StatusCode.NotFound, "LEAF_NOT_FOUND", () => ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = beyond }));
        await Errors.Expect(StatusCode.NotFound, "LEAF_NOT_FOUND", () => ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EventId = Guid.NewGuid().ToString() }));
        await Errors.Expect(StatusCode.FailedPrecondition, "LEAF_NOT_IN_TREE", () => ledger.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = size - 1, TreeSize = 1 }));
        await Errors.Expect(StatusCode.NotFound, "TREE_SIZE_BEYOND_LOG", () => ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstTreeSize = 1, SecondTreeSize = beyond }));
        await Errors.Expect(StatusCode.NotFound, "TREE_SIZE_BEYOND_LOG", () => ReadAllAsync(ledger.StreamEntries(new StreamEntriesRequest { TreeSize = beyond })));
        await Errors.Expect(StatusCode.NotFound, "TRADE_NOT_FOUND", () => ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { Trade = $"trades/{Guid.NewGuid()}" }));
        await Errors.Expect(StatusCode.NotFound, "FILING_NUMBER_NOT_FOUND", () => ledger.GetTradeReceiptAsync(new GetTradeReceiptRequest { FilingNumber = "SZDEX-2024-000001" }));
    }

    internal static async Task<List<T>> ReadAllAsync<T>(AsyncServerStreamingCall<T> call)
    {
        using (call)
        {
            var items = new List<T>();
            await foreach (var item in call.ResponseStream.ReadAllAsync())
            {
                items.Add(item);
            }

            return items;
        }
    }

    private static CallOptions Authorised(string token) => new(new Metadata { { "authorization", $"Bearer {token}" } });

    private static async Task<(int ExitCode, string Output)> RunShellAsync(string directory, string script)
    {
        var start = new ProcessStartInfo("/bin/bash", ["-c", script])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
