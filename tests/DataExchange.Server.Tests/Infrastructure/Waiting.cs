using System.Diagnostics;

namespace DataExchange.Server.Tests.Infrastructure;

/// <summary>The one way specs wait: on a condition, with a deadline, never for a fixed time.</summary>
public static class Waiting
{
    /// <summary>
    /// Reads until <paramref name="done"/> holds or <paramref name="deadline"/> passes, every 20 ms; returns the last value
    /// read, so that the caller's assertion can show what it saw.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (true)
        {
            var value = await read();
            if (done(value) || clock.Elapsed > deadline)
            {
                return value;
            }

            await tick.WaitForNextTickAsync();
        }
    }

    public static Task<T> UntilAsync<T>(Func<T> read, Func<T, bool> done, TimeSpan deadline) =>
        UntilAsync(() => Task.FromResult(read()), done, deadline);
}
