namespace WsChat.Tests.Support;

/// <summary>Finds files of the repository (docs, dashboards) from the test's output folder.</summary>
internal static class RepositoryFiles
{
    /// <summary>The folder holding WsChat.sln, found by walking up from the test assembly.</summary>
    public static string Root
    {
        get
        {
            for (DirectoryInfo? dir = new(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "WsChat.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException("WsChat.sln not found above " + TestContext.CurrentContext.TestDirectory);
        }
    }

    /// <summary>The full path of a repository-relative path such as <c>docs/operations.md</c>.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));
}
