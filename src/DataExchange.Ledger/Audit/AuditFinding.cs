using DataExchange.Ledger.Merkle;

namespace DataExchange.Ledger.Audit;

/// <summary>One thing an audit found wrong: a kind (stable, snake_case, for scripts), a sentence for people, and what it names.</summary>
/// <param name="Kind">One of <see cref="AuditFindingKinds"/>.</param>
/// <param name="Message">What is wrong and what it means, naming the leaf, node or checkpoint.</param>
public sealed record AuditFinding(string Kind, string Message)
{
    /// <summary>The leaf named exactly, when the finding is about one leaf.</summary>
    public long? LeafIndex { get; init; }

    /// <summary>The stored tree node named, when the finding is about one node.</summary>
    public NodeId? Node { get; init; }

    /// <summary>The checkpoint's tree size, when the finding is about a checkpoint.</summary>
    public long? TreeSize { get; init; }
}

/// <summary>The kinds of <see cref="AuditFinding"/>.</summary>
public static class AuditFindingKinds
{
    // One leaf (LogAuditor).
    public const string LeafMalformed = "leaf_malformed";
    public const string LeafIndexMismatch = "leaf_index_mismatch";
    public const string LeafHashMismatch = "leaf_hash_mismatch";
    public const string PayloadChanged = "payload_changed";
    public const string PayloadNotJson = "payload_not_json";
    /// <summary>A sealed text's Text or Salt no longer opens its Commitment (which the leaf commits to): the text was changed.</summary>
    public const string SealedTextChanged = "sealed_text_changed";
    public const string EventDeleted = "event_deleted";
    public const string LeafOrder = "leaf_order";

    // Stored tree nodes (LogAuditor).
    public const string NodeDiffers = "node_differs";
    public const string NodeMissing = "node_missing";

    // Checkpoints and the log as a whole (the audit command).
    public const string CheckpointInvalid = "checkpoint_invalid";
    public const string CheckpointRowAltered = "checkpoint_row_altered";
    public const string CheckpointOrigin = "checkpoint_origin";
    public const string SplitView = "split_view";
    public const string RolledBack = "rolled_back";
    public const string RootMismatch = "root_mismatch";
    /// <summary>A signed checkpoint's stream-heads line is not the map its leaves give.</summary>
    public const string StreamHeadsMismatch = "stream_heads_mismatch";
    public const string FirstDivergingLeaf = "first_diverging_leaf";
    public const string ConsistencyProof = "consistency_proof";
    public const string LogIncomplete = "log_incomplete";
    public const string EventNotLogged = "event_not_logged";
    public const string ServerRefused = "server_refused";

    /// <summary>Kinds that are about one leaf's own row or payload: the "altered leaf" of a report.</summary>
    public static bool IsLeafKind(string kind) =>
        kind is LeafMalformed or LeafIndexMismatch or LeafHashMismatch or PayloadChanged or PayloadNotJson or SealedTextChanged or EventDeleted;
}
