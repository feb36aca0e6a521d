using DataExchange.Server.Configuration;
using DataExchange.Server.Tests.Ledger;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataExchange.Server.Tests.Infrastructure;

/// <summary>
/// The server's connections ask PostgreSQL to compress large values with lz4 (DX_PG_TOAST_COMPRESSION): cheaper for
/// PostgreSQL's CPU than its default, pglz, on every event, read model and leaf the exchange writes.
/// </summary>
public class ToastCompressionSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static Func<string, string?> Env(string? compression) => name => name switch
    {
        "DX_DATABASE_URL" => "postgresql://dx@db.example:5432/exchange",
        ServerSettings.ToastCompressionVariable => compression,
        _ => null,
    };

    [Theory]
    [InlineData(null, "-c default_toast_compression=lz4")]
    [InlineData("lz4", "-c default_toast_compression=lz4")]
    [InlineData("pglz", "-c default_toast_compression=pglz")]
    [InlineData("server", null)]
    public void Every_connection_carries_the_chosen_method(string? setting, string? options)
    {
        var settings = ServerSettings.FromEnvironment(Env(setting));

        Assert.Equal(options, new NpgsqlConnectionStringBuilder(settings.ConnectionString).Options);
    }

    [Fact]
    public void An_unknown_method_is_refused_at_start_up_naming_the_variable()
    {
        var refused = Assert.Throws<SettingsException>(() => ServerSettings.FromEnvironment(Env("zstd")));

        Assert.Contains("DX_PG_TOAST_COMPRESSION 'zstd' must be lz4, pglz or server", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_given_in_a_connection_string_are_kept()
    {
        var connection = ServerSettings.ToConnectionString("Host=db;Database=exchange;Options=-c statement_timeout=5000");

        Assert.Equal("-c statement_timeout=5000 -c default_toast_compression=lz4", new NpgsqlConnectionStringBuilder(connection).Options);
    }

    [Fact]
    public async Task A_large_event_the_server_appends_is_stored_compressed_with_lz4()
    {
        var store = server.Services.GetRequiredService<IDocumentStore>();
        var stream = Guid.CreateVersion7();
        await using (var session = store.LightweightSession())
        {
            // Repetitive text over PostgreSQL's 2 KB threshold, as a trade's compliance evaluation is.
            session.Events.StartStream(stream, new LedgerProbe(1, 1, string.Concat(Enumerable.Repeat("cross-border evaluation; ", 400))));
            await session.SaveChangesAsync();
        }

        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select pg_column_compression(data) from \"{server.Schema}\".mt_events where stream_id = @stream", connection);
        command.Parameters.AddWithValue("stream", stream);

        Assert.Equal("lz4", await command.ExecuteScalarAsync() as string);
    }
}
