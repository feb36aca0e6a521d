using System.Runtime.CompilerServices;

namespace DataExchange.Cli.Tests;

/// <summary>
/// dx remembers the checkpoints it verified in DX_STATE_DIR. The specs run dx against many servers in one process (and
/// as child processes, which inherit the variable): a fresh folder per test run keeps that memory out of the user's
/// home and away from earlier runs.
/// </summary>
internal static class DxStateDirectory
{
    public static string Path { get; private set; } = "";

    [ModuleInitializer]
    public static void UseATemporaryStateDirectory()
    {
        Path = Directory.CreateTempSubdirectory("dx-state-").FullName;
        Environment.SetEnvironmentVariable("DX_STATE_DIR", Path);
    }
}
