using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Merkle;
using DataExchange.Ledger.Signing;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;

namespace DataExchange.Server.Ledger;

/// <summary>
/// Proofs are assembled from stored nodes, which the database can change. Before one is served with a signed
/// checkpoint it is checked against the root that checkpoint's note states: a proof that does not reach it means the
/// stored tree no longer matches what was signed, so the ledger stops (evidence kept) instead of handing out a proof
/// that fails for the user.
/// </summary>
public sealed class ServedProofGuard(CheckpointSigner signer, ServerSettings settings)
{
    private readonly IHasher hasher = TreeHasher.For(settings.Ledger.HashAlgorithm);

    /// <summary>Builds a proof from stored nodes; a node that is missing stops the ledger instead of failing as INTERNAL.</summary>
    public async Task<IReadOnlyList<byte[]>> AssembleAsync(Func<Task<IReadOnlyList<byte[]>>> build, long treeSize)
    {
        try
        {
            return await build();
        }
        catch (KeyNotFoundException)
        {
            throw LedgerIntegrity.Error(signer.Stop(new IntegrityViolation(ViolationKind.NodeAltered,
                $"a stored tree node needed for a proof in the tree of size {treeSize} is missing")
            {
                TreeSize = treeSize,
            }).Violation);
        }
    }

    public LedgerIntegrityException Stop(IntegrityViolation violation) => signer.Stop(violation);

    public void Inclusion(long leafIndex, byte[] leafBytes, IReadOnlyList<byte[]> proof, StoredCheckpoint checkpoint)
    {
        if (SignedRoot(checkpoint) is not { } root)
        {
            return;
        }

        if (!MerkleProofs.VerifyInclusion(hasher, leafIndex, checkpoint.Size, hasher.HashLeaf(leafBytes), proof, root))
        {
            throw LedgerIntegrity.Error(signer.Stop(new IntegrityViolation(ViolationKind.NodeAltered,
                $"the stored inclusion proof of leaf {leafIndex} does not reach the signed root of tree size {checkpoint.Size}: a stored leaf or node on its path was changed")
            {
                LeafIndex = leafIndex,
                TreeSize = checkpoint.Size,
            }).Violation);
        }
    }

    public void Consistency(StoredCheckpoint first, StoredCheckpoint second, IReadOnlyList<byte[]> proof)
    {
        if (SignedRoot(first) is not { } firstRoot || SignedRoot(second) is not { } secondRoot)
        {
            return;
        }

        if (!MerkleProofs.VerifyConsistency(hasher, first.Size, second.Size, firstRoot, secondRoot, proof))
        {
            throw LedgerIntegrity.Error(signer.Stop(new IntegrityViolation(ViolationKind.NodeAltered,
                $"the stored consistency proof from tree size {first.Size} to {second.Size} does not connect their signed roots")
            {
                TreeSize = second.Size,
            }).Violation);
        }
    }

    /// <summary>The root the checkpoint's note states (what clients check), or null when the note does not parse.</summary>
    private static byte[]? SignedRoot(StoredCheckpoint checkpoint) =>
        PublishedCheckpoint.FromRow(checkpoint.Size, checkpoint.Note).Stated is { } stated && stated.Size == checkpoint.Size ? stated.RootHash : null;
}
