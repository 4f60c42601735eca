using WsChat.Net.Transport;
using System.Buffers.Binary;
using System.Text;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd;

/// <summary>
/// RFC 6455 conformance of /echo in the style of Autobahn|Testsuite's fuzzingclient (groups 1-7, 9, 10), over raw
/// sockets with an independent frame parser. Failing cases check the exact close code the peer receives, and that
/// TCP then ends with FIN (the close frame was not destroyed by an RST).
/// </summary>
[CancelAfter(30_000)]
[Parallelizable(ParallelScope.All)]
[TestFixture(SocketEngine.Managed)]
[TestFixture(SocketEngine.Epoll)]
public class EchoConformanceTests(SocketEngine engine)
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public void StartServer() => _server = TestServer.Start(engine, echoMaxMessageBytes: 16 * 1024 * 1024);

    [OneTimeTearDown]
    public async Task StopServer()
    {
        await _server.DisposeAsync();
        // Hostile input is not a failure of ours: nothing a client sent may log an error (a 1011 close).
        Assert.That(_server.Log.Errors, Is.Empty);
    }

    // ---- 1. Framing: text and binary of every length class, whole and chopped ----

    [TestCase(0x1, 0), TestCase(0x1, 125), TestCase(0x1, 126), TestCase(0x1, 127), TestCase(0x1, 128), TestCase(0x1, 65535), TestCase(0x1, 65536)]
    [TestCase(0x2, 0), TestCase(0x2, 125), TestCase(0x2, 126), TestCase(0x2, 65535), TestCase(0x2, 65536)]
    public async Task Framing_PayloadLength_IsEchoed(int opcode, int length, CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        byte[] payload = Enumerable.Range(0, length).Select(i => (byte)('a' + (i % 26))).ToArray();
        await c.SendFrameAsync(opcode, payload, ct);
        RawFrame echo = (await c.ReceiveFrameAsync(ct))!.Value;
        Assert.That((echo.Opcode, echo.Fin, echo.Payload), Is.EqualTo((opcode, true, payload)));
        await CloseNormally(c, ct);
    }

    [TestCase(1), TestCase(2), TestCase(3), TestCase(7), TestCase(997)]
    public async Task Framing_FrameChoppedIntoPieces_IsEchoed(int chop, CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        byte[] payload = Encoding.UTF8.GetBytes(new string('x', 3000) + "ü");
        await c.SendChoppedAsync(RawClient.Frame(0x1, payload), chop, ct);
        Assert.That((await c.ReceiveFrameAsync(ct))!.Value.Payload, Is.EqualTo(payload));
        await CloseNormally(c, ct);
    }

    // ---- 2. Pings and pongs ----

    [TestCase(0), TestCase(1), TestCase(125)]
    public async Task Ping_WithPayload_PongCarriesTheSamePayload(int length, CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        byte[] payload = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        await c.SendFrameAsync(0x9, payload, ct);
        RawFrame pong = (await c.ReceiveFrameAsync(ct))!.Value;
        Assert.That((pong.Opcode, pong.Payload), Is.EqualTo((0xA, payload)));
        await CloseNormally(c, ct);
    }

    [Test]
    public async Task Ping_TenInARow_TenPongsInOrder(CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        for (int i = 0; i < 10; i++) await c.SendFrameAsync(0x9, [(byte)i], ct);
        for (int i = 0; i < 10; i++) Assert.That((await c.ReceiveFrameAsync(ct))!.Value.Payload, Is.EqualTo(new[] { (byte)i }));
        await CloseNormally(c, ct);
    }

    [Test]
    public async Task Pong_Unsolicited_IsIgnored(CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        await c.SendFrameAsync(0xA, "unsolicited"u8.ToArray(), ct);
        await c.SendTextAsync("after", ct);
        Assert.That((await c.ReceiveFrameAsync(ct))!.Value.Text, Is.EqualTo("after"));
        await CloseNormally(c, ct);
    }

    [Test]
    public async Task Ping_Over125Bytes_Fails1002(CancellationToken ct) =>
        await ExpectFailure(RawClient.Frame(0x9, new byte[126]), 1002, ct);

    [Test]
    public async Task Ping_Fragmented_Fails1002(CancellationToken ct) =>
        await ExpectFailure(RawClient.Frame(0x9, "x"u8.ToArray(), fin: false), 1002, ct);

    // ---- 3. Reserved bits ----

    [TestCase(0x1, 1), TestCase(0x1, 2), TestCase(0x1, 4), TestCase(0x2, 3), TestCase(0x9, 5), TestCase(0x8, 6), TestCase(0x1, 7)]
    public async Task ReservedBits_Set_Fails1002AfterEarlierEcho(int opcode, int rsv, CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        await c.SendTextAsync("before", ct);
        await c.SendAsync(RawClient.Frame(opcode, "x"u8.ToArray(), rsv: rsv), ct);
        (RawFrame close, List<RawFrame> before) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(before.Select(f => f.Text), Is.EqualTo(new[] { "before" }));
        Assert.That(close.CloseCode, Is.EqualTo(1002));
        Assert.That(await c.ReceiveEofAsync(ct), Is.True, "TCP ends with FIN after the close frame");
    }

    // ---- 4. Opcodes ----

    [TestCase(3), TestCase(4), TestCase(5), TestCase(6), TestCase(7), TestCase(0xB), TestCase(0xC), TestCase(0xD), TestCase(0xE), TestCase(0xF)]
    public async Task Opcode_Reserved_Fails1002(int opcode, CancellationToken ct) =>
        await ExpectFailure(RawClient.Frame(opcode, "x"u8.ToArray()), 1002, ct);

    // ---- 5. Fragmentation ----

    [Test]
    public async Task Fragments_WithPingsBetween_PongsFirstThenTheMessage(CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        await c.SendAsync(RawClient.Frame(0x1, "frag1 "u8.ToArray(), fin: false), ct);
        await c.SendFrameAsync(0x9, "p1"u8.ToArray(), ct);
        await c.SendAsync(RawClient.Frame(0x0, "frag2 "u8.ToArray(), fin: false), ct);
        await c.SendFrameAsync(0x9, "p2"u8.ToArray(), ct);
        await c.SendAsync(RawClient.Frame(0x0, "frag3"u8.ToArray(), fin: true), ct);
        RawFrame[] frames = [(await c.ReceiveFrameAsync(ct))!.Value, (await c.ReceiveFrameAsync(ct))!.Value, (await c.ReceiveFrameAsync(ct))!.Value];
        Assert.That(frames.Select(f => (f.Opcode, f.Text)), Is.EqualTo(new[] { (0xA, "p1"), (0xA, "p2"), (0x1, "frag1 frag2 frag3") }));
        await CloseNormally(c, ct);
    }

    [Test]
    public async Task Fragments_ThousandsOfEmptyOnes_AreReassembled(CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        using var all = new MemoryStream();
        all.Write(RawClient.Frame(0x2, [], fin: false));
        for (int i = 0; i < 5000; i++) all.Write(RawClient.Frame(0x0, [], fin: false));
        all.Write(RawClient.Frame(0x0, [42], fin: true));
        await c.SendAsync(all.ToArray(), ct);
        Assert.That((await c.ReceiveFrameAsync(ct))!.Value.Payload, Is.EqualTo(new byte[] { 42 }));
        await CloseNormally(c, ct);
    }

    [Test]
    public async Task Continuation_WithoutAStart_Fails1002(CancellationToken ct) =>
        await ExpectFailure(RawClient.Frame(0x0, "x"u8.ToArray()), 1002, ct);

    [Test]
    public async Task Fragments_NewMessageBeforeTheLastFragment_Fails1002(CancellationToken ct) =>
        await ExpectFailure([.. RawClient.Frame(0x1, "a"u8.ToArray(), fin: false), .. RawClient.Frame(0x1, "b"u8.ToArray())], 1002, ct);

    [TestCase(0x8), TestCase(0xA)]
    public async Task ControlFrame_Fragmented_Fails1002(int opcode, CancellationToken ct) =>
        await ExpectFailure(RawClient.Frame(opcode, [3, 232], fin: false), 1002, ct);

    // ---- 6. UTF-8 ----

    [TestCase("κόσμε")]
    [TestCase("\U0001F600 emoji and \u00E9")]
    [TestCase("\uFFFF and \uFEFF")]
    [TestCase("\U0010FFFF")]
    public async Task Utf8_Valid_IsEchoedWholeAndFragmentedAtEveryByte(string text, CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        await c.SendFrameAsync(0x1, bytes, ct);
        Assert.That((await c.ReceiveFrameAsync(ct))!.Value.Payload, Is.EqualTo(bytes));
        using var frags = new MemoryStream();
        for (int i = 0; i < bytes.Length; i++) frags.Write(RawClient.Frame(i == 0 ? 0x1 : 0x0, [bytes[i]], fin: i == bytes.Length - 1));
        await c.SendAsync(frags.ToArray(), ct);
        Assert.That((await c.ReceiveFrameAsync(ct))!.Value.Payload, Is.EqualTo(bytes));
        await CloseNormally(c, ct);
    }

    [TestCase(new byte[] { 0xFF })]
    [TestCase(new byte[] { 0xC0, 0xAF })]                   // overlong '/'
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 })]             // UTF-16 surrogate
    [TestCase(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]       // past U+10FFFF
    [TestCase(new byte[] { 0xCE, 0xBA, 0xE1 })]             // ends inside a code point
    [TestCase(new byte[] { 0x80 })]                         // lone continuation byte
    public async Task Utf8_Invalid_Fails1007(byte[] bytes, CancellationToken ct) =>
        await ExpectFailure(RawClient.Frame(0x1, bytes), 1007, ct);

    [Test]
    public async Task Utf8_InvalidInAnUnfinishedMessage_FailsFastWith1007(CancellationToken ct)
    {
        // Autobahn 6.4.x: the server must not wait for the rest of the message once the bytes are impossible.
        using RawClient c = await Upgrade(ct);
        await c.SendAsync(RawClient.Frame(0x1, [.. "valid start "u8, 0xF4, 0x90], fin: false), ct);
        (RawFrame close, _) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1007));
    }

    // ---- 7. Close handling ----

    [TestCase((ushort)1000), TestCase((ushort)1001), TestCase((ushort)1002), TestCase((ushort)1003), TestCase((ushort)1007)]
    [TestCase((ushort)1008), TestCase((ushort)1009), TestCase((ushort)1010), TestCase((ushort)1011), TestCase((ushort)3000), TestCase((ushort)4999)]
    public async Task Close_ValidCode_IsEchoedThenTcpEnds(ushort code, CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        await c.SendAsync(RawClient.CloseFrame(code, "reason"), ct);
        (RawFrame close, _) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(code));
        Assert.That(await c.ReceiveEofAsync(ct), Is.True);
    }

    [Test]
    public async Task Close_EmptyPayload_AnsweredWith1000(CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        await c.SendFrameAsync(0x8, [], ct);
        (RawFrame close, _) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1000));
        Assert.That(await c.ReceiveEofAsync(ct), Is.True);
    }

    [TestCase((ushort)0), TestCase((ushort)999), TestCase((ushort)1004), TestCase((ushort)1005), TestCase((ushort)1006)]
    [TestCase((ushort)1015), TestCase((ushort)1016), TestCase((ushort)2000), TestCase((ushort)2999), TestCase((ushort)5000), TestCase((ushort)65535)]
    public async Task Close_InvalidCode_Fails1002(ushort code, CancellationToken ct) =>
        await ExpectFailure(RawClient.CloseFrame(code), 1002, ct);

    [Test]
    public async Task Close_OneBytePayload_Fails1002(CancellationToken ct) =>
        await ExpectFailure(RawClient.Frame(0x8, [0x03]), 1002, ct);

    [Test]
    public async Task Close_InvalidUtf8Reason_Fails1007(CancellationToken ct) =>
        await ExpectFailure(RawClient.Frame(0x8, [0x03, 0xE8, 0xCE, 0xBA, 0xE1, 0xBD]), 1007, ct);

    [Test]
    public async Task Close_125BytePayload_IsEchoed(CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        await c.SendAsync(RawClient.CloseFrame(1000, new string('r', 123)), ct);
        (RawFrame close, _) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1000));
    }

    [Test]
    public async Task Close_DataAfterClose_IsIgnored(CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        await c.SendAsync([.. RawClient.CloseFrame(1000), .. RawClient.Frame(0x1, "ignored"u8.ToArray()), .. RawClient.Frame(0x9, [])], ct);
        (RawFrame close, List<RawFrame> before) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1000));
        Assert.That(before, Is.Empty);
        Assert.That(await c.ReceiveFrameAsync(ct), Is.Null, "nothing after the close frame");
    }

    [Test]
    public async Task Close_AfterAnEchoedMessage_MessageArrivesFirst(CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        await c.SendAsync([.. RawClient.Frame(0x1, "last"u8.ToArray()), .. RawClient.CloseFrame(1000)], ct);
        (RawFrame close, List<RawFrame> before) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(before.Select(f => f.Text), Is.EqualTo(new[] { "last" }));
        Assert.That(close.CloseCode, Is.EqualTo(1000));
    }

    // ---- RFC 6455 §5.1-§5.2: masking and length encoding ----

    [Test]
    public async Task Frame_Unmasked_Fails1002(CancellationToken ct) =>
        await ExpectFailure(RawClient.Frame(0x1, "hi"u8.ToArray(), masked: false), 1002, ct);

    [Test]
    public async Task Frame_NonMinimalLength_Fails1002(CancellationToken ct) =>
        await ExpectFailure([0x81, 0x80 | 126, 0x00, 0x05, 1, 2, 3, 4, 0, 0, 0, 0, 0], 1002, ct);

    [Test]
    public async Task Frame_LengthWithTopBitSet_Fails1002(CancellationToken ct) =>
        await ExpectFailure([0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4], 1002, ct);

    [Test]
    public async Task Frame_TwoToThe62Bytes_Fails1009BeforeAnyPayload(CancellationToken ct) =>
        await ExpectFailure([0x82, 0x80 | 127, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4], 1009, ct);

    // ---- 9. Limits and large messages ----

    [TestCase(1 << 20, 1 << 20)]
    [TestCase(1 << 20, 64 * 1024)]
    [TestCase(4 << 20, 1 << 20)]
    public async Task Large_BinaryMessage_IsEchoed(int size, int fragment, CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        byte[] payload = new byte[size];
        new Random(size).NextBytes(payload);
        using var frames = new MemoryStream();
        for (int i = 0; i < size; i += fragment) frames.Write(RawClient.Frame(i == 0 ? 0x2 : 0x0, payload[i..Math.Min(size, i + fragment)], fin: i + fragment >= size));
        Task send = c.SendAsync(frames.ToArray(), ct);
        RawFrame echo = (await c.ReceiveFrameAsync(ct))!.Value;
        await send;
        // SequenceEqual, not Is.EqualTo: NUnit compares large arrays element by element through object comparers (seconds per MiB).
        Assert.That(echo.Payload.Length, Is.EqualTo(payload.Length));
        Assert.That(echo.Payload.AsSpan().SequenceEqual(payload), Is.True);
        await CloseNormally(c, ct);
    }

    [Test]
    public async Task Limit_MessageAtSixteenMiBPlusOne_Fails1009(CancellationToken ct)
    {
        // The header alone announces 16 MiB + 1: refused before a byte of payload is buffered.
        byte[] header = [0x82, 0x80 | 127, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x01, 1, 2, 3, 4];
        await ExpectFailure(header, 1009, ct);
    }

    // ---- 10. Misc: a 64 KiB text in 1300-byte fragments (Autobahn 10.1.1) ----

    [Test]
    public async Task Fragments_64KiBTextIn1300ByteFragments_IsEchoed(CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        byte[] payload = Encoding.UTF8.GetBytes(new string('*', 65536));
        using var frames = new MemoryStream();
        for (int i = 0; i < payload.Length; i += 1300) frames.Write(RawClient.Frame(i == 0 ? 0x1 : 0x0, payload[i..Math.Min(payload.Length, i + 1300)], fin: i + 1300 >= payload.Length));
        await c.SendAsync(frames.ToArray(), ct);
        Assert.That((await c.ReceiveFrameAsync(ct))!.Value.Payload.AsSpan().SequenceEqual(payload), Is.True);
        await CloseNormally(c, ct);
    }

    private Task<RawClient> Upgrade(CancellationToken ct) => RawClient.UpgradeAsync(_server.EndPoint, "/echo", ct);

    /// <summary>Sends <paramref name="bytes"/>, expects a close frame with <paramref name="code"/> and then a clean FIN,
    /// without answering the close (the server fails the connection and must not wait for us).</summary>
    private async Task ExpectFailure(byte[] bytes, ushort code, CancellationToken ct)
    {
        using RawClient c = await Upgrade(ct);
        await c.SendAsync(bytes, ct);
        (RawFrame close, List<RawFrame> before) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(code), $"close reason: {Encoding.UTF8.GetString(close.Payload.AsSpan(Math.Min(2, close.Payload.Length)))}");
        Assert.That(before.Where(f => f.Opcode is 0x1 or 0x2), Is.Empty);
        Assert.That(close.Payload.Length, Is.GreaterThan(2), "a close frame with a reason (PROTOCOL.md §5)");
        Assert.That(await c.ReceiveEofAsync(ct), Is.True, "TCP ends with FIN after the close frame, not RST");
    }

    private async Task CloseNormally(RawClient c, CancellationToken ct)
    {
        await c.SendAsync(RawClient.CloseFrame(1000), ct);
        (RawFrame close, _) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1000));
        Assert.That(await c.ReceiveEofAsync(ct), Is.True);
    }
}
