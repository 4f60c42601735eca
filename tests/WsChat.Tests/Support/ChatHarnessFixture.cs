namespace WsChat.Tests.Support;

/// <summary>
/// Base of the engine fixtures that run each test on a fresh <see cref="ChatHarness"/> with the default
/// options (rate limits out of the way); fixtures that need other options build their own harness.
/// </summary>
public abstract class ChatHarnessFixture
{
    // private protected: ChatHarness is internal, the NUnit fixtures deriving from this are public.
    private protected ChatHarness Chat { get; private set; } = null!;

    [SetUp]
    public void CreateChatHarness() => Chat = new ChatHarness();

    [TearDown]
    public void DisposeChatHarness() => Chat.Dispose();
}
