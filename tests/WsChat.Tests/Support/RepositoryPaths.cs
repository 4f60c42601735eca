namespace WsChat.Tests.Support;

/// <summary>Paths in the source tree, found from the test binaries (bin/…/net10.0 under tests/WsChat.Tests).</summary>
internal static class RepositoryPaths
{
    /// <summary>The folder that holds WsChat.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Docs => Path.Combine(Root, "docs");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "WsChat.sln"))) return dir.FullName;
        throw new InvalidOperationException("WsChat.sln not found above " + AppContext.BaseDirectory);
    }
}
