namespace DataExchange.Server.Configuration;

/// <summary>
/// A setting the server cannot start with (a missing or unreadable file, a value out of range, cleartext on the
/// network). Program.cs prints its message as one line and exits 2; the message names the DX_* variable to fix.
/// </summary>
public sealed class SettingsException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
