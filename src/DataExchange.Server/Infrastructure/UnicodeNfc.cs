using System.Runtime.InteropServices;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// Unicode NFC through the system's ICU (libicuuc). The projects build with InvariantGlobalization, in which .NET's own
/// <see cref="string.Normalize()"/> returns its input unchanged, so the server calls ICU's unorm2 API itself. Text whose
/// code points are all below U+0300 is already NFC and never leaves managed code. Without ICU on the machine
/// (<see cref="IsAvailable"/> false: the server logs it at start) text is kept as sent.
/// </summary>
public static class UnicodeNfc
{
    private const int BufferOverflow = 15; // U_BUFFER_OVERFLOW_ERROR

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GetInstanceFn(ref int error);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl, CharSet = CharSet.Unicode)]
    private delegate int NormalizeFn(IntPtr normalizer, [In] char[] source, int length, [Out] char[]? destination, int capacity, ref int error);

    private static readonly Lazy<(IntPtr Normalizer, NormalizeFn? Normalize)> Icu = new(Load);

    public static bool IsAvailable => Icu.Value.Normalize is not null;

    /// <summary>The NFC form of <paramref name="text"/> (the same instance when it already is, or when ICU is missing).</summary>
    public static string Normalize(string text)
    {
        if (text.All(c => c < '\u0300'))
        {
            return text;
        }

        var (normalizer, normalize) = Icu.Value;
        if (normalize is null)
        {
            return text;
        }

        var source = text.ToCharArray();
        var error = 0;
        var length = normalize(normalizer, source, source.Length, null, 0, ref error);
        if (error != 0 && error != BufferOverflow)
        {
            throw new ArgumentException($"ICU could not normalise the text (error {error}).", nameof(text));
        }

        var destination = new char[length];
        error = 0;
        length = normalize(normalizer, source, source.Length, destination, destination.Length, ref error);
        if (error > 0)
        {
            throw new ArgumentException($"ICU could not normalise the text (error {error}).", nameof(text));
        }

        var normalized = new string(destination, 0, length);
        return normalized == text ? text : normalized;
    }

    private static (IntPtr, NormalizeFn?) Load()
    {
        foreach (var (library, suffix) in Candidates())
        {
            if (!NativeLibrary.TryLoad(library, out var handle))
            {
                continue;
            }

            foreach (var s in suffix is null ? Suffixes() : [suffix])
            {
                if (NativeLibrary.TryGetExport(handle, "unorm2_getNFCInstance" + s, out var getInstance)
                    && NativeLibrary.TryGetExport(handle, "unorm2_normalize" + s, out var normalize))
                {
                    var error = 0;
                    var instance = Marshal.GetDelegateForFunctionPointer<GetInstanceFn>(getInstance)(ref error);
                    if (error <= 0 && instance != IntPtr.Zero)
                    {
                        return (instance, Marshal.GetDelegateForFunctionPointer<NormalizeFn>(normalize));
                    }
                }
            }
        }

        return (IntPtr.Zero, null);
    }

    /// <summary>ICU renames its symbols by major version (unorm2_normalize_72): libicuuc.so.72 exports the _72 names.</summary>
    private static IEnumerable<(string Library, string? Suffix)> Candidates()
    {
        for (var version = 100; version >= 50; version--)
        {
            yield return ($"libicuuc.so.{version}", $"_{version}");
        }

        yield return ("libicuuc.so", null);
        yield return ("libicucore.dylib", null);
        yield return ("icu.dll", null);
        yield return ("icuuc.dll", null);
    }

    private static IEnumerable<string> Suffixes()
    {
        yield return "";
        for (var version = 100; version >= 50; version--)
        {
            yield return $"_{version}";
        }
    }
}
