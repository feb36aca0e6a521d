using System.Globalization;
using System.Text;

namespace DataExchange.Ledger.Witness;

/// <summary>
/// The C2SP tlog-witness wire format of add-checkpoint: the request body ("old N", proof lines in base64, an empty line,
/// the signed checkpoint) and the answer (the HTTP status, and the cosignature lines or the known size).
/// </summary>
public static class WitnessProtocol
{
    public const string SizeContentType = "text/x.tlog.size";

    public sealed record AddCheckpointRequest(long OldSize, IReadOnlyList<byte[]> Proof, string SignedNote);

    /// <exception cref="FormatException">Not an add-checkpoint body.</exception>
    public static AddCheckpointRequest Parse(string body)
    {
        var blank = body.IndexOf("\n\n", StringComparison.Ordinal);
        if (!body.StartsWith("old ", StringComparison.Ordinal) || blank < 0)
        {
            throw new FormatException("the body must start with an \"old N\" line and hold an empty line before the checkpoint");
        }

        var lines = body[..blank].Split('\n');
        var size = lines[0]["old ".Length..];
        if (!long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var oldSize) || (size.Length > 1 && size[0] == '0'))
        {
            throw new FormatException($"'{lines[0]}' is not \"old\" and a decimal size");
        }

        if (lines.Length - 1 > WitnessDecision.MaxProofLines)
        {
            throw new FormatException($"more than {WitnessDecision.MaxProofLines} proof lines");
        }

        var proof = new List<byte[]>();
        foreach (var line in lines.Skip(1))
        {
            try
            {
                proof.Add(Convert.FromBase64String(line));
            }
            catch (FormatException)
            {
                throw new FormatException($"proof line '{line}' is not base64");
            }
        }

        return new AddCheckpointRequest(oldSize, proof, body[(blank + 2)..]);
    }

    public static string Format(AddCheckpointRequest request)
    {
        var text = new StringBuilder().Append("old ").Append(request.OldSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var hash in request.Proof)
        {
            text.Append(Convert.ToBase64String(hash)).Append('\n');
        }

        return text.Append('\n').Append(request.SignedNote).ToString();
    }

    public static int StatusOf(WitnessRefusal refusal) => refusal switch
    {
        WitnessRefusal.None => 200,
        WitnessRefusal.Malformed or WitnessRefusal.Rollback => 400,
        WitnessRefusal.BadSignature => 403,
        WitnessRefusal.UnknownOrigin => 404,
        WitnessRefusal.OldSizeMismatch or WitnessRefusal.ConflictingRoot => 409,
        WitnessRefusal.Inconsistent => 422,
        _ => 500,
    };

    /// <summary>The response body: the cosignature line when cosigned, the known size for a 409, else the reason.</summary>
    public static (string ContentType, string Body) ResponseOf(WitnessOutcome outcome) => outcome switch
    {
        { Cosignature: { } signature } => ("text/plain; charset=utf-8", signature.ToLine()),
        { Refusal: WitnessRefusal.OldSizeMismatch or WitnessRefusal.ConflictingRoot, KnownSize: { } size } =>
            (SizeContentType, size.ToString(CultureInfo.InvariantCulture) + "\n"),
        _ => ("text/plain; charset=utf-8", outcome.Message + "\n"),
    };
}
