using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Browser;

/// <summary>
/// The web page (issue 7) in headless Chromium against the real wschat process: two people chat in a room and by
/// DM, see each other's presence and typing, survive a server restart without losing or doubling a message, and
/// cannot inject HTML into each other's page.
/// </summary>
[Category("Browser")]
[NonParallelizable]
public class WebChatPageTests
{
    private Chromium _chromium = null!;
    private WsChatProcess _server = null!;

    [OneTimeSetUp]
    public async Task OneTimeSetUp() => _chromium = await Chromium.LaunchAsync();

    [OneTimeTearDown]
    public async Task OneTimeTearDown()
    {
        if (_chromium is not null) await _chromium.DisposeAsync();
    }

    [SetUp]
    public async Task SetUp() => _server = await BrowserServer.StartAsync(CancellationToken.None);

    [TearDown]
    public async Task TearDown()
    {
        if (_server is null) return;
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            TestContext.Out.WriteLine("wschat output:\n" + _server.Output);
        await _server.DisposeAsync();
    }

    [Test, CancelAfter(180_000)]
    public async Task Page_TwoPeopleChatInRoomAndByDm_SeeMessagesPresenceAndTyping()
    {
        await using ChatPage alice = await ChatPage.SignInAsync(_chromium.Browser, _server.BaseUri, "alice");
        await using ChatPage bob = await ChatPage.SignInAsync(_chromium.Browser, _server.BaseUri, "bob");

        // Presence: both are in #general (the default room) and see each other online.
        await alice.WaitForMemberAsync("bob", "online");
        await bob.WaitForMemberAsync("alice", "online");

        // Typing: bob types, alice is told; he sends, and the indicator goes.
        await bob.TypeAsync("Hi Alice");
        await alice.Page.WaitForFunctionAsync("() => document.querySelector('#typing').textContent === 'bob is typing…'");
        await bob.Page.PressAsync("#composer-input", "Enter");
        await alice.WaitForTextsAsync("room:general", "Hi Alice");
        await alice.Page.WaitForFunctionAsync("() => document.querySelector('#typing').textContent === ''");

        await alice.SendAsync("Hello Bob! Shall we test the DMs?");
        await bob.WaitForTextsAsync("room:general", "Hi Alice", "Hello Bob! Shall we test the DMs?");
        Assert.That(await alice.TextsAsync("room:general"), Is.EqualTo(new[] { "Hi Alice", "Hello Bob! Shall we test the DMs?" }));
        Assert.That(await bob.TextsAsync("room:general"), Is.EqualTo(new[] { "Hi Alice", "Hello Bob! Shall we test the DMs?" }));
        Assert.That(await alice.Page.TextContentAsync(".conv-pane[data-conv='room:general'] .msg:first-child .msg-author"), Is.EqualTo("bob"));

        // DM: alice clicks bob in the member list; bob gets an unread badge and answers.
        await alice.MessageMemberAsync("bob");
        await alice.SendAsync("psst, just you and me");
        await bob.Page.WaitForSelectorAsync("#dm-list .conv-item[data-conv='dm:alice'] .badge");
        await bob.OpenAsync("dm:alice");
        await bob.WaitForTextsAsync("dm:alice", "psst, just you and me");
        await bob.SendAsync("secret received");
        await alice.WaitForTextsAsync("dm:bob", "psst, just you and me", "secret received");
        Assert.That(await bob.TextsAsync("dm:alice"), Is.EqualTo(new[] { "psst, just you and me", "secret received" }));
        Assert.That(await alice.TextsAsync("room:general"), Has.None.EqualTo("psst, just you and me"), "a DM is not a room message");

        // A second room: joined through the form, bob is not in it.
        await alice.JoinAsync("random");
        await alice.SendAsync("anyone here?");
        await alice.WaitForTextsAsync("room:random", "anyone here?");
        Assert.That(await bob.Page.Locator(".conv-item[data-conv='room:random']").CountAsync(), Is.Zero);

        // The screenshot of docs/web-client.md: alice in #general, bob typing. Written next to the test results and
        // attached to them; into docs/ only on request (WSCHAT_UPDATE_SCREENSHOT=1), so a test run leaves the
        // working tree as it found it.
        await alice.OpenAsync("room:general");
        await bob.OpenAsync("room:general");
        await bob.TypeAsync("Looks good");
        await alice.Page.WaitForFunctionAsync("() => document.querySelector('#typing').textContent === 'bob is typing…'");
        string screenshot = ScreenshotPath();
        await alice.Page.ScreenshotAsync(new() { Path = screenshot });
        Assert.That(new FileInfo(screenshot).Length, Is.GreaterThan(0), screenshot);
        TestContext.AddTestAttachment(screenshot, "the page: alice in #general, bob typing");

        // Presence offline: bob leaves (closes his page); alice sees him go in #general.
        await bob.DisposeAsync();
        await alice.WaitForMemberAsync("bob", "offline");

        Assert.That(alice.PageErrors, Is.Empty);
        Assert.That(alice.Dialogs, Is.Empty);
    }

    [Test, CancelAfter(240_000)]
    public async Task Page_ServerRestarts_BothPagesReconnectAndShowEveryMessageExactlyOnce()
    {
        await using ChatPage alice = await ChatPage.SignInAsync(_chromium.Browser, _server.BaseUri, "alice");
        await using ChatPage bob = await ChatPage.SignInAsync(_chromium.Browser, _server.BaseUri, "bob");
        await alice.WaitForMemberAsync("bob", "online");

        var room = new List<string>();
        for (int i = 1; i <= 3; i++)
        {
            ChatPage who = i % 2 == 1 ? alice : bob;
            string text = $"before restart {i} from {who.Name}";
            await who.SendAsync(text);
            room.Add(text);
            await alice.WaitForTextsAsync("room:general", text);
        }
        await bob.MessageMemberAsync("alice");
        await bob.SendAsync("dm before restart");
        await alice.Page.WaitForSelectorAsync("#dm-list .conv-item[data-conv='dm:bob']");
        await bob.OpenAsync("room:general");

        // Graceful restart (SIGTERM: close 1001 to every page, PROTOCOL.md §5), then a crash (SIGKILL).
        await _server.StopAsync(TimeSpan.FromSeconds(30));
        await alice.WaitForStateAsync("reconnecting");
        await bob.WaitForStateAsync("reconnecting");
        // Written while the server is down: it waits in alice's outbox and goes out after the reconnect.
        await alice.SendAsync("sent while the server was down");
        room.Add("sent while the server was down");
        Assert.That(await alice.Page.Locator(".outbox .msg").CountAsync(), Is.EqualTo(1));
        await _server.StartAgainAsync(CancellationToken.None);

        await alice.WaitForStateAsync("open");
        await bob.WaitForStateAsync("open");
        await bob.WaitForTextsAsync("room:general", [.. room]);
        await bob.SendAsync("after restart from bob");
        room.Add("after restart from bob");
        await alice.WaitForTextsAsync("room:general", [.. room]);

        _server.Kill();
        await alice.WaitForStateAsync("reconnecting");
        await _server.StartAgainAsync(CancellationToken.None);
        await alice.WaitForStateAsync("open");
        await bob.WaitForStateAsync("open");
        await alice.SendAsync("after crash from alice");
        room.Add("after crash from alice");
        await bob.SendAsync("after crash from bob");     // bob's page has room:general open (above)
        room.Add("after crash from bob");
        await bob.WaitForTextsAsync("room:general", [.. room]);
        await alice.WaitForTextsAsync("room:general", [.. room]);
        await alice.WaitForTextsAsync("dm:bob", "dm before restart");
        await alice.WaitForOutboxEmptyAsync();
        await bob.WaitForOutboxEmptyAsync();

        // Every message exactly once, in send order, on both pages.
        Assert.That(await alice.TextsAsync("room:general"), Is.EqualTo(room));
        Assert.That(await bob.TextsAsync("room:general"), Is.EqualTo(room));
        Assert.That(await alice.TextsAsync("dm:bob"), Is.EqualTo(new[] { "dm before restart" }));
        Assert.That(alice.PageErrors.Concat(bob.PageErrors), Is.Empty);
    }

    [Test, CancelAfter(180_000)]
    public async Task Page_ScrollBack_LoadsOlderHistoryPageByPageInOrder()
    {
        await using ChatPage alice = await ChatPage.SignInAsync(_chromium.Browser, _server.BaseUri, "alice");
        // 70 messages through alice's client, paced under the rate limit (20 per second, PROTOCOL.md §5).
        await alice.EvaluateAsync("""
            async () => {
              const client = globalThis.wschatPage.client;
              for (let i = 1; i <= 70; i++) { await client.send('general', 'm' + i); await new Promise(r => setTimeout(r, 60)); }
            }
            """);
        string[] all = Enumerable.Range(1, 70).Select(i => "m" + i).ToArray();
        await alice.WaitForTextsAsync("room:general", all);

        // bob arrives later: he gets the newest page (50), then scrolls up for the rest.
        await using ChatPage bob = await ChatPage.SignInAsync(_chromium.Browser, _server.BaseUri, "bob");
        await bob.WaitForTextsAsync("room:general", "m21", "m70");
        Assert.That(await bob.TextsAsync("room:general"), Is.EqualTo(all[20..]));
        await bob.Page.EvalOnSelectorAsync("#scroller", "s => { s.scrollTop = 0; s.dispatchEvent(new Event('scroll')); }");
        await bob.WaitForTextsAsync("room:general", "m1");
        Assert.That(await bob.TextsAsync("room:general"), Is.EqualTo(all));
        await bob.Page.WaitForFunctionAsync("() => document.querySelector('#older-button').textContent === 'This is the beginning of #general.'");

        // A reload signs in again from the saved session and shows the room once more, each message once.
        await bob.Page.ReloadAsync();
        await bob.WaitForStateAsync("open");
        await bob.WaitForTextsAsync("room:general", "m21", "m70");
        Assert.That(await bob.TextsAsync("room:general"), Is.EqualTo(all[20..]));
    }

    [Test, CancelAfter(120_000)]
    public async Task Page_MessageWithHtml_ShowsAsTextAndRunsNothing()
    {
        await using ChatPage alice = await ChatPage.SignInAsync(_chromium.Browser, _server.BaseUri, "alice");
        await using ChatPage bob = await ChatPage.SignInAsync(_chromium.Browser, _server.BaseUri, "bob");
        string[] hostile =
        [
            "<img src=x onerror=alert(1)>",
            "<script>alert(2)</script>",
            "<b>bold?</b> &amp; <a href=\"javascript:alert(3)\">link</a>",
            "\"><svg onload=alert(4)>",
        ];
        foreach (string text in hostile) await alice.SendAsync(text);
        await bob.WaitForTextsAsync("room:general", hostile);
        await alice.WaitForTextsAsync("room:general", hostile);
        // Let an image error or a script, had one been created, run its handler.
        await bob.Page.WaitForTimeoutAsync(500);

        foreach (ChatPage page in new[] { alice, bob })
        {
            Assert.That(await page.TextsAsync("room:general"), Is.EqualTo(hostile), page.Name);
            var elements = await page.EvaluateAsync(
                "() => document.querySelectorAll('.messages img, .messages script, .messages svg, .messages a, .messages b').length");
            Assert.That(elements.GetInt32(), Is.Zero, $"{page.Name}: message text became elements");
            Assert.That(page.Dialogs, Is.Empty, $"{page.Name}: a script from a message ran");
        }
    }

    /// <summary>docs/screenshot.png when WSCHAT_UPDATE_SCREENSHOT=1 (to refresh the docs' picture), else a file in the
    /// test's work directory.</summary>
    private static string ScreenshotPath()
    {
        if (Environment.GetEnvironmentVariable("WSCHAT_UPDATE_SCREENSHOT") == "1")
        {
            Directory.CreateDirectory(RepositoryPaths.Docs);
            return Path.Combine(RepositoryPaths.Docs, "screenshot.png");
        }
        string folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, "web-chat-page.png");
    }
}
