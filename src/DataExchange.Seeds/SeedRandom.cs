namespace DataExchange.Seeds;

/// <summary>
/// SplitMix64: a tiny, fixed, well-known PRNG. System.Random's algorithm is not guaranteed across .NET versions,
/// and the committed data set must be reproducible byte for byte. Integers only.
/// </summary>
public sealed class SeedRandom(ulong seed)
{
    private ulong state = seed;

    public ulong NextUInt64()
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, maxExclusive) (rejection sampling, so no modulo bias).</summary>
    public long Next(long maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        var bound = (ulong)maxExclusive;
        var limit = ulong.MaxValue - (ulong.MaxValue % bound);
        ulong value;
        do
        {
            value = NextUInt64();
        }
        while (value >= limit);

        return (long)(value % bound);
    }

    public int Next(int maxExclusive) => (int)Next((long)maxExclusive);

    /// <summary>Uniform in [min, max], inclusive.</summary>
    public long Between(long min, long max) => min + Next(max - min + 1);

    /// <summary>True with probability percent / 100.</summary>
    public bool Percent(int percent) => Next(100) < percent;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}
