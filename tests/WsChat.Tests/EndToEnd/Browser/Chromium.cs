using Microsoft.Playwright;

namespace WsChat.Tests.EndToEnd.Browser;

/// <summary>
/// Debian's Chromium (never a downloaded browser: no <c>playwright install</c>) driven by Microsoft.Playwright,
/// whose package carries its own node driver, so this works offline. <c>WSCHAT_TEST_CHROMIUM</c> names the
/// executable (scripts/test.sh sets it); without it <c>/usr/bin/chromium</c> is tried. Missing: the test is
/// ignored locally and fails when <c>CI=true</c>, so a green CI run means the browser tests ran.
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    private static readonly string[] s_arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    private readonly IPlaywright _playwright;

    private Chromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>The Chromium executable, or null when there is none.</summary>
    public static string? FindExecutable()
    {
        string? configured = Environment.GetEnvironmentVariable("WSCHAT_TEST_CHROMIUM");
        if (!string.IsNullOrEmpty(configured)) return File.Exists(configured) ? configured : null;
        return File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : null;
    }

    /// <summary>Launches headless Chromium, or ends the test (ignored locally, failed with CI=true) when missing.</summary>
    public static async Task<Chromium> LaunchAsync()
    {
        string? executable = FindExecutable();
        if (executable is null)
        {
            const string why = "Chromium not found: set WSCHAT_TEST_CHROMIUM or apt-get install chromium (scripts/test.sh does).";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) Assert.Fail(why);
            Assert.Ignore(why);
        }
        IPlaywright playwright = await Playwright.CreateAsync().ConfigureAwait(false);
        try
        {
            IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Args = s_arguments,
                Timeout = 60_000,
            }).ConfigureAwait(false);
            return new Chromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync().ConfigureAwait(false);
        _playwright.Dispose();
    }
}
