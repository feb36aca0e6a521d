using DataExchange.Ledger.Witness;

namespace DataExchange.Server.Configuration;

/// <summary>A witness the exchange pushes its checkpoints to: where it listens and the key its cosignatures must verify with.</summary>
public sealed record ConfiguredWitness(Uri Address, CosignatureVerifier Key)
{
    public string Name => Key.Name;

    /// <summary>
    /// DX_WITNESSES: witnesses separated by ';' or new lines, each "URL VKEY" — the witness's base URL (the exchange
    /// posts to URL/add-checkpoint) and its verifier key as <c>dx witness keygen</c> prints it, or "URL @FILE" with the
    /// key in a file.
    /// </summary>
    public static IReadOnlyList<ConfiguredWitness> ParseList(string text)
    {
        var witnesses = new List<ConfiguredWitness>();
        foreach (var entry in text.Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                throw new SettingsException($"DX_WITNESSES entry '{entry}' must be \"URL VKEY\" (or \"URL @keyfile\"), entries separated by ';'.");
            }

            if (!Uri.TryCreate(parts[0], UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            {
                throw new SettingsException($"DX_WITNESSES: '{parts[0]}' is not an http(s) URL of a witness.");
            }

            var vkey = parts[1];
            if (vkey.StartsWith('@'))
            {
                try
                {
                    vkey = File.ReadAllText(vkey[1..]).Trim();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new SettingsException($"DX_WITNESSES: cannot read the witness key file {vkey[1..]}: {e.Message}", e);
                }
            }

            CosignatureVerifier key;
            try
            {
                key = CosignatureVerifier.Parse(vkey);
            }
            catch (FormatException e)
            {
                throw new SettingsException($"DX_WITNESSES: the key of {parts[0]} is not a witness key: {e.Message}", e);
            }

            if (witnesses.Any(w => w.Name == key.Name))
            {
                throw new SettingsException($"DX_WITNESSES names the witness {key.Name} twice.");
            }

            // The exchange posts to URL/add-checkpoint: keep any path prefix the URL has.
            witnesses.Add(new ConfiguredWitness(address.AbsolutePath.EndsWith('/') ? address : new Uri(address + "/"), key));
        }

        return witnesses;
    }
}
