using System.Diagnostics;

namespace WsChat.Tests.Support;

/// <summary>
/// A small tmpfs on a new temporary folder, for tests of a disk that fills up. chmod cannot make a file
/// unwritable for root (tests run as root), and a file moved away is not noticed by an open connection, so a
/// full filesystem is the honest outage. Mounting needs root with CAP_SYS_ADMIN: check <see cref="Mounted"/>.
/// </summary>
internal sealed class TmpfsMount
{
    public const string CannotMount = "cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)";

    private TmpfsMount(string path, bool mounted)
    {
        Path = path;
        Mounted = mounted;
    }

    /// <summary>The mount point (an empty folder when <see cref="Mounted"/> is false).</summary>
    public string Path { get; }

    public bool Mounted { get; }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (mount's <c>size=</c> option, e.g. "2m").</summary>
    public static TmpfsMount Create(string folderPrefix, string size)
    {
        string path = Directory.CreateTempSubdirectory(folderPrefix).FullName;
        return new TmpfsMount(path, Run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", path) == 0);
    }

    /// <summary>Writes <paramref name="fillerPath"/> until the filesystem is full; delete it to free the space.</summary>
    public static void Fill(string fillerPath)
    {
        // Unbuffered 4 KiB blocks: the write that fails is the one that found the disk full.
        using var file = new FileStream(fillerPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            while (true) file.Write(block);
        }
        catch (IOException)
        {
            // ENOSPC: the tmpfs is full.
        }
    }

    /// <summary>Unmounts (if mounted) and deletes the folder. Whatever holds files open there must be closed first.</summary>
    public void Remove()
    {
        if (Mounted) Run("umount", Path);
        Directory.Delete(Path, recursive: true);
    }

    private static int Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        try
        {
            using Process process = Process.Start(info)!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;   // no mount program
        }
    }
}
