using System.Text.Json;
using Microsoft.Playwright;

namespace WsChat.Tests.EndToEnd.Browser;

/// <summary>A page of the server's origin (so <c>/static/wschat.js</c> imports and <c>/dev/token</c> fetches are
/// same-origin) in which library tests run their scripts.</summary>
internal sealed class ChatPageHost : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly IPage _page;

    private ChatPageHost(IBrowserContext context, IPage page)
    {
        _context = context;
        _page = page;
    }

    public static async Task<ChatPageHost> OpenAsync(IBrowser browser, Uri baseUri)
    {
        IBrowserContext context = await browser.NewContextAsync().ConfigureAwait(false);
        IPage page = await context.NewPageAsync().ConfigureAwait(false);
        page.SetDefaultTimeout(ChatPage.WaitMs);
        // The wschat.js file itself: a same-origin document with nothing of the page's own app running.
        await page.GotoAsync(new Uri(baseUri, "/static/wschat.js").ToString()).ConfigureAwait(false);
        return new ChatPageHost(context, page);
    }

    /// <summary>Runs an async function expression in the page and returns its result as JSON.</summary>
    public async Task<JsonElement> RunAsync(string function) => await _page.EvaluateAsync<JsonElement>(function).ConfigureAwait(false);

    public async ValueTask DisposeAsync() => await _context.DisposeAsync().ConfigureAwait(false);
}
