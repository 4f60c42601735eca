using WsChat.Core.Ports;

namespace WsChat.Tests.Core.Ports;

[TestFixture]
public sealed class InMemoryMessageStoreTests : MessageStoreContractTests
{
    protected override async Task<IMessageStore> CreateStoreAsync()
    {
        var store = new InMemoryMessageStore();
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }
}
