using WsChat.Core.Client;
using WsChat.Net.WebSockets;

namespace WsChat.Tests.Core.Client;

/// <summary>The reconnect rule of docs/client.md: what a restart or a network produce is retried, what the same
/// request would only get again is not.</summary>
public class ReconnectPolicyTests
{
    [TestCase((ushort)1001)]   // server draining (PROTOCOL.md §5) or heartbeat
    [TestCase((ushort)1005)]   // close frame without a code
    [TestCase((ushort)1006)]   // TCP lost: SIGKILL, reset
    [TestCase((ushort)1011)]   // server error
    [TestCase((ushort)1012)]   // service restart
    [TestCase((ushort)1013)]   // try again later
    [TestCase((ushort)1014)]   // bad gateway
    public void ShouldReconnect_TransientClose_True(ushort code) =>
        Assert.That(ReconnectPolicy.ShouldReconnect((WebSocketCloseCode)code), Is.True);

    [TestCase((ushort)1000)]   // the server ended the session
    [TestCase((ushort)1002)]   // protocol error: ours
    [TestCase((ushort)1003)]
    [TestCase((ushort)1007)]
    [TestCase((ushort)1008)]   // policy: bad or expired token, too many connections, flooding, slow consumer
    [TestCase((ushort)1009)]
    [TestCase((ushort)1010)]
    [TestCase((ushort)3000)]   // unauthorized (IANA)
    [TestCase((ushort)4001)]   // application codes: gateways use them for auth failures
    [TestCase((ushort)4999)]
    public void ShouldReconnect_FinalClose_False(ushort code) =>
        Assert.That(ReconnectPolicy.ShouldReconnect((WebSocketCloseCode)code), Is.False);

    [TestCase(0, true)]       // no HTTP answer: the server went away mid-handshake
    [TestCase(408, true)]
    [TestCase(429, true)]
    [TestCase(500, true)]
    [TestCase(502, true)]
    [TestCase(503, true)]     // starting or draining (PROTOCOL.md §1 /readyz)
    [TestCase(400, false)]
    [TestCase(401, false)]    // bad token in the query/header
    [TestCase(403, false)]    // origin
    [TestCase(404, false)]    // wrong path
    [TestCase(426, false)]    // not a WebSocket endpoint
    public void ShouldRetryHandshake_ByStatus(int status, bool retried) =>
        Assert.That(ReconnectPolicy.ShouldRetryHandshake(status), Is.EqualTo(retried));
}
