using System.Text.Json;
using Microsoft.Playwright;

namespace WsChat.Tests.EndToEnd.Browser;

/// <summary>The web page as one person uses it: its own browser context (own storage), driven through the DOM.</summary>
internal sealed class ChatPage : IAsyncDisposable
{
    // Generous: a 2-core machine runs the server, Chromium and the test at once.
    public const float WaitMs = 20_000;

    private readonly IBrowserContext _context;
    private readonly List<string> _dialogs = [];
    private readonly List<string> _pageErrors = [];

    private ChatPage(IBrowserContext context, IPage page, string name)
    {
        _context = context;
        Page = page;
        Name = name;
        page.Dialog += async (_, dialog) => { lock (_dialogs) _dialogs.Add(dialog.Message); await dialog.DismissAsync().ConfigureAwait(false); };
        page.PageError += (_, error) => { lock (_pageErrors) _pageErrors.Add(error); };
    }

    public IPage Page { get; }

    public string Name { get; }

    /// <summary>alert/confirm/prompt dialogs the page opened (a script injected through a message would).</summary>
    public IReadOnlyList<string> Dialogs { get { lock (_dialogs) return [.. _dialogs]; } }

    /// <summary>Uncaught exceptions in the page's scripts.</summary>
    public IReadOnlyList<string> PageErrors { get { lock (_pageErrors) return [.. _pageErrors]; } }

    /// <summary>Opens the page and signs in with a name (development mode), then waits until connected.</summary>
    public static async Task<ChatPage> SignInAsync(IBrowser browser, Uri baseUri, string name, int width = 1200, int height = 720)
    {
        IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
            TimezoneId = "UTC",
            ColorScheme = ColorScheme.Light,
        }).ConfigureAwait(false);
        IPage page = await context.NewPageAsync().ConfigureAwait(false);
        page.SetDefaultTimeout(WaitMs);
        var chat = new ChatPage(context, page, name);
        await page.GotoAsync(baseUri.ToString()).ConfigureAwait(false);
        await page.FillAsync("#signin-name", name).ConfigureAwait(false);
        await page.ClickAsync("#signin-submit").ConfigureAwait(false);
        await chat.WaitForStateAsync("open").ConfigureAwait(false);
        return chat;
    }

    /// <summary>Waits until the connection indicator shows <paramref name="state"/> (connecting, open, reconnecting, closed).</summary>
    public Task WaitForStateAsync(string state) =>
        Page.WaitForSelectorAsync($"#conn[data-state='{state}']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });

    public async Task<string> StateAsync() => await Page.GetAttributeAsync("#conn", "data-state").ConfigureAwait(false) ?? "";

    /// <summary>Types <paramref name="text"/> into the composer of the open conversation and presses Enter.</summary>
    public async Task SendAsync(string text)
    {
        await Page.FillAsync("#composer-input", text).ConfigureAwait(false);
        await Page.PressAsync("#composer-input", "Enter").ConfigureAwait(false);
    }

    /// <summary>Types key by key (input events, so the page reports typing) without sending.</summary>
    public Task TypeAsync(string text) => Page.Locator("#composer-input").PressSequentiallyAsync(text, new() { Delay = 40 });

    /// <summary>Joins a room through the sidebar form; it becomes the open conversation.</summary>
    public async Task JoinAsync(string room)
    {
        await Page.FillAsync("#join-room-input", room).ConfigureAwait(false);
        await Page.ClickAsync("#join-room-submit").ConfigureAwait(false);
        await Page.WaitForSelectorAsync($"#room-list .conv-item.active[data-conv='room:{room}']").ConfigureAwait(false);
    }

    /// <summary>Opens a conversation from the sidebar (<c>room:NAME</c> or <c>dm:USERID</c>).</summary>
    public Task OpenAsync(string conv) => Page.ClickAsync($".conv-item[data-conv='{conv}']");

    /// <summary>Opens the DM conversation with a member of the open room by clicking them in the member list.</summary>
    public Task MessageMemberAsync(string userId) => Page.ClickAsync($"#member-list .member[data-user-id='{userId}']");

    /// <summary>The texts of the confirmed messages of a conversation, in the order shown.</summary>
    public async Task<IReadOnlyList<string>> TextsAsync(string conv) =>
        await Page.Locator($".conv-pane[data-conv='{conv}'] .messages .msg-text").AllTextContentsAsync().ConfigureAwait(false);

    /// <summary>Waits until every text in <paramref name="expected"/> shows in the conversation.</summary>
    public Task WaitForTextsAsync(string conv, params string[] expected) =>
        Page.WaitForFunctionAsync(
            """
            ([conv, expected]) => {
                const shown = [...document.querySelectorAll(`.conv-pane[data-conv="${conv}"] .messages .msg-text`)].map(e => e.textContent);
                return expected.every(t => shown.includes(t));
            }
            """,
            new object[] { conv, expected },
            new PageWaitForFunctionOptions { Timeout = WaitMs });

    /// <summary>Waits until the outbox (messages sent, not yet confirmed) is empty everywhere.</summary>
    public Task WaitForOutboxEmptyAsync() =>
        Page.WaitForFunctionAsync("() => document.querySelectorAll('.outbox .msg').length === 0", null,
            new PageWaitForFunctionOptions { Timeout = WaitMs });

    /// <summary>Waits until the member list shows <paramref name="userId"/> with <paramref name="status"/>.</summary>
    public Task WaitForMemberAsync(string userId, string status) =>
        Page.WaitForSelectorAsync($"#member-list .member[data-user-id='{userId}'][data-status='{status}']",
            new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });

    public async Task<string> TypingTextAsync() => await Page.TextContentAsync("#typing").ConfigureAwait(false) ?? "";

    /// <summary>Runs a script in the page and returns its JSON-serialised result.</summary>
    public async Task<JsonElement> EvaluateAsync(string script, object? arg = null) =>
        await Page.EvaluateAsync<JsonElement>(script, arg).ConfigureAwait(false);

    public async ValueTask DisposeAsync() => await _context.DisposeAsync().ConfigureAwait(false);
}
