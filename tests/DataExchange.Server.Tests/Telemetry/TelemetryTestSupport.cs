using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;

namespace DataExchange.Server.Tests.Telemetry;

/// <summary>
/// What the in-memory exporter received, safe to read while spans keep arriving. ActivitySource listeners are
/// process-wide, so it also receives the spans of other test servers running in parallel: tests pick theirs by trace id.
/// </summary>
public sealed class RecordedSpans : Collection<Activity>
{
    private readonly Lock gate = new();

    protected override void InsertItem(int index, Activity item)
    {
        lock (gate)
        {
            base.InsertItem(index, item);
        }
    }

    protected override void ClearItems()
    {
        lock (gate)
        {
            base.ClearItems();
        }
    }

    public IReadOnlyList<Activity> OfTrace(ActivityTraceId traceId)
    {
        lock (gate)
        {
            return [.. Items.Where(a => a.TraceId == traceId)];
        }
    }
}

public static class TelemetryTestSupport
{
    /// <summary>A W3C traceparent for a call: the server's span joins this trace, so a test finds its own spans.</summary>
    public static (ActivityTraceId TraceId, Metadata Headers) NewTrace()
    {
        var traceId = ActivityTraceId.CreateRandom();
        return (traceId, new Metadata { { "traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01" } });
    }

    /// <summary>A loopback port free now (bound, then released for the server to take).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The spans of one trace as an indented tree of their names (and source), for the test output and the README.</summary>
    public static string Tree(IReadOnlyList<Activity> spans)
    {
        var text = new StringBuilder();
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        void Write(Activity span, int depth)
        {
            text.Append(' ', depth * 2).Append(span.DisplayName).Append("  [").Append(span.Source.Name).Append(']');
            foreach (var link in span.Links)
            {
                text.Append(" link→").Append(link.Context.TraceId.ToHexString()[..8]);
            }

            text.AppendLine();
            foreach (var child in spans.Where(s => s.ParentSpanId == span.SpanId).OrderBy(s => s.StartTimeUtc))
            {
                Write(child, depth + 1);
            }
        }

        foreach (var root in spans.Where(s => !ids.Contains(s.ParentSpanId)).OrderBy(s => s.StartTimeUtc))
        {
            Write(root, 0);
        }

        return text.ToString();
    }

    /// <summary>Whether <paramref name="span"/> descends from <paramref name="ancestor"/> through the spans of its trace.</summary>
    public static bool DescendsFrom(Activity span, Activity ancestor, IReadOnlyList<Activity> trace)
    {
        var bySpanId = trace.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        var current = span;
        while (bySpanId.TryGetValue(current.ParentSpanId, out var parent))
        {
            if (parent.SpanId == ancestor.SpanId)
            {
                return true;
            }

            current = parent;
        }

        return false;
    }
}
