using System.Net;
using System.Text;
using DataExchange.Ledger.Witness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DataExchange.Cli.Commands;

/// <summary>What a witness is configured with: its key, its state file, and the logs it follows.</summary>
internal sealed record WitnessSettings(IPEndPoint Listen, Cosigner Cosigner, string StatePath, IReadOnlyDictionary<string, WitnessedLog> Logs);

/// <summary>
/// A witness as an HTTP service (C2SP tlog-witness): POST /add-checkpoint cosigns or refuses; GET /vkey gives its
/// verifier key. It has no access to the exchange's database: only what the log sends it, its key and its state file.
/// </summary>
internal static class WitnessHost
{
    private const int MaxBodyBytes = 64 * 1024;

    public static WebApplication Build(WitnessSettings settings, TimeProvider time)
    {
        var state = WitnessStateFile.Open(settings.StatePath); // an unreadable state stops the start
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(settings.Listen);
            k.Limits.MaxRequestBodySize = MaxBodyBytes;
        });
        var app = builder.Build();
        app.MapGet("/vkey", () => Results.Text(settings.Cosigner.Verifier.VerifierKey + "\n"));
        app.MapPost("/add-checkpoint", async (HttpContext http) =>
        {
            string body;
            try
            {
                using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
                body = await reader.ReadToEndAsync(http.RequestAborted);
            }
            catch (Microsoft.AspNetCore.Http.BadHttpRequestException)
            {
                return Results.Text($"the body is over {MaxBodyBytes} bytes\n", statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            WitnessProtocol.AddCheckpointRequest request;
            try
            {
                request = WitnessProtocol.Parse(body);
            }
            catch (FormatException e)
            {
                return Results.Text(e.Message + "\n", statusCode: StatusCodes.Status400BadRequest);
            }

            var now = (ulong)time.GetUtcNow().ToUnixTimeSeconds();
            var outcome = state.AddCheckpoint(settings.Logs, request.OldSize, request.Proof, request.SignedNote, settings.Cosigner, now);
            var (contentType, text) = WitnessProtocol.ResponseOf(outcome);
            return Results.Text(text, contentType, Encoding.UTF8, WitnessProtocol.StatusOf(outcome.Refusal));
        });
        return app;
    }
}
