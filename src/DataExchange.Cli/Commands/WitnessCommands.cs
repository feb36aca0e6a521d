using System.CommandLine;
using DataExchange.Ledger.Hashing;
using DataExchange.Ledger.Keys;
using DataExchange.Ledger.Notes;
using DataExchange.Ledger.Witness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DataExchange.Cli.Commands;

/// <summary>dx witness: run an independent witness of the exchange's ledger (C2SP tlog-witness and tlog-cosignature).</summary>
internal static class WitnessCommands
{
    public static Command Build(GlobalOptions global) => new("witness", "An independent witness that cosigns the ledger's checkpoints only while they extend what it saw (C2SP tlog-witness)")
    {
        new KeygenCommand(),
        new ServeCommand(),
    };

    /// <summary>dx witness keygen: a new Ed25519 witness key (owner-only PEM) and its verifier key on stdout.</summary>
    internal sealed class KeygenCommand : Command
    {
        private readonly Option<string> name = new("--name") { Description = "The witness's name, a schema-less URL such as witness.example.org/w1", Required = true };
        private readonly Option<FileInfo> output = new("--out") { Description = "Where to write the private key (PEM, mode 0600); must not exist", Required = true };

        public KeygenCommand()
            : base("keygen", "Make a witness key; prints its verifier key (name+id+key) for clients and the exchange")
        {
            Add(name);
            Add(output);
            SetAction(result =>
            {
                var file = result.GetRequiredValue(output);
                if (file.Exists)
                {
                    Console.Error.WriteLine($"dx: {file.FullName} exists; a witness key is never overwritten");
                    return ExitCodes.InvalidInput;
                }

                var key = LedgerKeys.GenerateEd25519();
                var cosigner = new Cosigner(result.GetRequiredValue(name), key);
                File.WriteAllText(file.FullName, LedgerKeys.ExportPrivateKeyPem(key));
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(file.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                Console.Out.WriteLine(cosigner.Verifier.VerifierKey);
                return ExitCodes.Success;
            });
        }
    }

    /// <summary>dx witness serve: the witness's HTTP service, until Ctrl-C.</summary>
    internal sealed class ServeCommand : Command
    {
        private readonly Option<string> name = new("--name") { Description = "The witness's name (as given to keygen)", Required = true };
        private readonly Option<FileInfo> key = new("--key") { Description = "The witness's private key (PEM, from keygen)", Required = true };
        private readonly Option<FileInfo> state = new("--state") { Description = "The witness's state file: per log, the checkpoint it cosigned last (created if absent)", Required = true };
        private readonly Option<string> listen = new("--listen") { Description = "host:port to serve on", DefaultValueFactory = _ => "127.0.0.1:7380" };
        private readonly Option<string> origin = new("--log-origin") { Description = "The log's origin, the first line of its checkpoints", Required = true };
        private readonly Option<string[]> logKeys = new("--log-key") { Description = "A verifier key of the log (name+id+key, from dx ledger keys); repeatable", Required = true };
        private readonly Option<LogHashAlgorithm> hash = new("--log-hash") { Description = "The log's tree hash", DefaultValueFactory = _ => LogHashAlgorithm.Sha256 };

        public ServeCommand()
            : base("serve", "Serve POST /add-checkpoint and GET /vkey for one log")
        {
            Add(name);
            Add(key);
            Add(state);
            Add(listen);
            Add(origin);
            Add(logKeys);
            Add(hash);
            SetAction(async (result, cancellationToken) =>
            {
                WitnessSettings settings;
                try
                {
                    settings = Settings(result);
                }
                catch (Exception e) when (e is FormatException or ArgumentException or IOException or InvalidDataException)
                {
                    Console.Error.WriteLine($"dx witness: {e.Message}");
                    return ExitCodes.InvalidInput;
                }

                WebApplication app;
                try
                {
                    app = WitnessHost.Build(settings, TimeProvider.System);
                }
                catch (InvalidDataException e)
                {
                    Console.Error.WriteLine($"dx witness: {e.Message}");
                    return ExitCodes.Failure;
                }

                await app.StartAsync(cancellationToken);
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                Console.Out.WriteLine($"witness {settings.Cosigner.Name} on {address}, following {string.Join(", ", settings.Logs.Keys)}; state in {settings.StatePath}");
                Console.Out.WriteLine(settings.Cosigner.Verifier.VerifierKey);
                try
                {
                    // Until Ctrl-C or SIGTERM: the host's console lifetime takes SIGTERM (docker stop, kill) and stops the
                    // application, so wait for that too, or the process outlives its stopped host.
                    using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
                    await Task.Delay(Timeout.Infinite, stopping.Token);
                }
                catch (OperationCanceledException)
                {
                }

                await app.StopAsync(CancellationToken.None);
                return ExitCodes.Success;
            });
        }

        public WitnessSettings Settings(ParseResult result)
        {
            var verifiers = result.GetRequiredValue(logKeys).Select(NoteKeys.ParseVerifierKey).ToList();
            var logOrigin = result.GetRequiredValue(origin);
            var cosigner = new Cosigner(result.GetRequiredValue(name), LedgerKeys.ImportEd25519PrivateKeyPem(File.ReadAllText(result.GetRequiredValue(key).FullName)));
            return new WitnessSettings(ParseEndpoint(result.GetRequiredValue(listen)), cosigner, result.GetRequiredValue(state).FullName,
                new Dictionary<string, WitnessedLog>(StringComparer.Ordinal) { [logOrigin] = new(logOrigin, verifiers, TreeHasher.For(result.GetValue(hash))) });
        }

        private static System.Net.IPEndPoint ParseEndpoint(string text) =>
            System.Net.IPEndPoint.TryParse(text.Replace("localhost", "127.0.0.1", StringComparison.OrdinalIgnoreCase), out var endpoint)
                ? endpoint
                : throw new FormatException($"--listen '{text}' is not host:port");
    }
}
