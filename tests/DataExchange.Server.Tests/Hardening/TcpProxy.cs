using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>
/// A TCP forwarder between one test server and PostgreSQL, so one test can take "the database" away from its own
/// server without touching the cluster other tests share: <see cref="Cut"/> resets every open connection and refuses
/// new ones (as a stopped PostgreSQL does), <see cref="Restore"/> listens again on the same port.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint target;
    private readonly ConcurrentDictionary<TcpClient, byte> open = new();
    private TcpListener? listener;
    private CancellationTokenSource? accepting;

    public TcpProxy(string host, int port)
    {
        target = new IPEndPoint(Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork), port);
        Port = Listen(0);
    }

    public int Port { get; }

    public int Connections => open.Count;

    /// <summary>Refuses new connections and resets the open ones.</summary>
    public void Cut()
    {
        accepting?.Cancel();
        listener?.Stop();
        listener = null;
        foreach (var client in open.Keys)
        {
            try
            {
                if (client.Client is { } socket)
                {
                    socket.LingerState = new LingerOption(true, 0); // RST, as a killed server's kernel sends
                }

                client.Close();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already closing.
            }
        }

        open.Clear();
    }

    public void Restore() => Listen(Port);

    private int Listen(int port)
    {
        var l = new TcpListener(IPAddress.Loopback, port);
        l.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        l.Start();
        listener = l;
        accepting = new CancellationTokenSource();
        _ = AcceptAsync(l, accepting.Token);
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private async Task AcceptAsync(TcpListener l, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await l.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        open[client] = 0;
        open[upstream] = 0;
        try
        {
            await upstream.ConnectAsync(target);
            var a = client.GetStream();
            var b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b), b.CopyToAsync(a));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Cut, or one side closed.
        }
        finally
        {
            open.TryRemove(client, out _);
            open.TryRemove(upstream, out _);
            client.Dispose();
            upstream.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }
}
