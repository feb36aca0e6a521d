namespace DataExchange.Ledger.Hashing;

/// <summary>The hash function of a log. Fixed when the log is created; never mixed within one tree.</summary>
public enum LogHashAlgorithm
{
    /// <summary>SHA-256, as in RFC 6962 / RFC 9162.</summary>
    Sha256,

    /// <summary>SM3 (GB/T 32905-2016), for the Chinese commercial-cryptography profile.</summary>
    Sm3,
}
