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
    [TestCase((ushort)1008)]   // policy: without a reason that says otherwise (below)
    [TestCase((ushort)1009)]
    [TestCase((ushort)1010)]
    [TestCase((ushort)3000)]   // unauthorized (IANA)
    [TestCase((ushort)4001)]   // application codes: gateways use them for auth failures
    [TestCase((ushort)4999)]
    public void ShouldReconnect_FinalClose_False(ushort code) =>
        Assert.That(ReconnectPolicy.ShouldReconnect((WebSocketCloseCode)code), Is.False);

    [TestCase("slow consumer", false, true)]       // fell behind once: a rejoin with since catches up
    [TestCase("token expired", true, true)]        // a token provider gives the next connection a new token
    [TestCase("token expired", false, false)]      // a fixed token would only be refused again
    [TestCase("too many connections", true, false)]
    [TestCase("authentication failed", true, false)]
    [TestCase("authentication timeout", true, false)]
    [TestCase("rate limit exceeded", true, false)]
    [TestCase("", true, false)]
    [TestCase("Slow Consumer", true, false)]       // the reasons are compared exactly
    public void ShouldReconnect_1008_ByReason(string reason, bool canRefreshToken, bool retried) =>
        Assert.That(ReconnectPolicy.ShouldReconnect(WebSocketCloseCode.PolicyViolation, reason, canRefreshToken), Is.EqualTo(retried));

    [TestCase((ushort)1001, "slow consumer", true)]   // the code decides first
    [TestCase((ushort)1000, "slow consumer", false)]  // the reasons count with 1008 only
    [TestCase((ushort)1002, "token expired", false)]
    public void ShouldReconnect_OtherCodes_ReasonIgnored(ushort code, string reason, bool retried) =>
        Assert.That(ReconnectPolicy.ShouldReconnect((WebSocketCloseCode)code, reason, canRefreshToken: true), Is.EqualTo(retried));

    [Test]
    public void Reasons_MatchWhatTheServerSends() => Assert.Multiple(() =>
    {
        Assert.That(ReconnectPolicy.SlowConsumerReason, Is.EqualTo(WsChat.Core.Sessions.CloseReasons.SlowConsumer));
        Assert.That(ReconnectPolicy.TokenExpiredReason, Is.EqualTo(WsChat.Core.Sessions.CloseReasons.TokenExpired));
    });

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
