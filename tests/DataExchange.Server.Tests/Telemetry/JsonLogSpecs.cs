using DataExchange.Server.Tests.Infrastructure;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using DataExchange.Contracts.V1;
using DataExchange.Server.Configuration;
using Grpc.Net.Client;
using Npgsql;
using static DataExchange.Server.Tests.Telemetry.TelemetryTestSupport;

namespace DataExchange.Server.Tests.Telemetry;

/// <summary>
/// DX_LOG_FORMAT=json: the server process writes one JSON object per line (its start-up announcements included), and a
/// request's log entries carry the request's trace and span ids in their scopes, the trace id being the caller's.
/// </summary>
public class JsonLogSpecs
{
    private const string Token = "dx_json_log_operator_token_0123456789abcdef";

    [Fact(Timeout = 120_000)]
    public async Task Json_log_lines_carry_the_trace_and_span_ids_of_the_request()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        var dataDirectory = Path.Combine(Path.GetTempPath(), "dx-tests", Guid.NewGuid().ToString("N"));
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DataExchange.Server.dll")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var variable in start.Environment.Keys.Where(k => k.StartsWith("DX_", StringComparison.Ordinal) || k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(variable);
        }

        start.Environment["DX_DATABASE_URL"] = Environment.GetEnvironmentVariable("DX_TEST_DATABASE_URL");
        start.Environment["DX_SCHEMA"] = schema;
        start.Environment["DX_LISTEN"] = $"127.0.0.1:{port}";
        start.Environment["DX_DATA_DIR"] = dataDirectory;
        start.Environment["DX_BOOTSTRAP_TOKEN"] = Token;
        start.Environment["DX_LOG_FORMAT"] = "json";
        // ASP.NET Core's own "Request starting/finished" entries (kept at Warning by default): logged inside the request.
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information";

        var lines = new ConcurrentQueue<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                lines.Enqueue(line);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var deadline = TimeSpan.FromSeconds(60);
            await Waiting.UntilAsync(() => lines.ToArray(), l => process.HasExited || l.Any(x => x.Contains("DataExchange listening on", StringComparison.Ordinal)), deadline);
            if (process.HasExited)
            {
                Assert.Fail("the server stopped: " + await stderr);
            }

            var (traceId, headers) = NewTrace();
            using (var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}"))
            {
                headers.Add("authorization", $"Bearer {Token}");
                await new TradeService.TradeServiceClient(channel).GetExchangeStatisticsAsync(new GetExchangeStatisticsRequest(), headers,
                    deadline: DateTime.UtcNow.AddSeconds(30));
            }

            var traceHex = traceId.ToHexString();
            bool InRequest(JsonElement entry) => entry.TryGetProperty("Scopes", out var scopes) && scopes.EnumerateArray().Any(scope =>
                scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("TraceId", out var t) && t.GetString() == traceHex
                && scope.TryGetProperty("SpanId", out var s) && s.GetString() is { Length: 16 });
            var logged = await Waiting.UntilAsync(() => lines.ToArray(), l => l.Any(x => x.Contains(traceHex, StringComparison.Ordinal)), TimeSpan.FromSeconds(15));

            var entries = logged.Select(line => JsonDocument.Parse(line).RootElement).ToList(); // every line is one JSON object
            Assert.All(entries, e => Assert.Equal(JsonValueKind.Object, e.ValueKind));
            Assert.Contains(entries, e => e.GetProperty("Message").GetString()!.StartsWith("DataExchange listening on", StringComparison.Ordinal));
            var request = Assert.Single(entries, e => InRequest(e) && e.GetProperty("Message").GetString()!.Contains("Request starting", StringComparison.Ordinal));
            Assert.Equal("Microsoft.AspNetCore.Hosting.Diagnostics", request.GetProperty("Category").GetString());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(exit.Token);
            await using var connection = new NpgsqlConnection(ServerSettings.ToConnectionString(Environment.GetEnvironmentVariable("DX_TEST_DATABASE_URL")!));
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"drop schema if exists {schema} cascade", connection);
            await drop.ExecuteNonQueryAsync();
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }
}
