using WsChat.Net.Diagnostics;

namespace WsChat.Tests.Net.Diagnostics;

public class TransportMetricsTests
{
    [Test]
    public void ConnectionClosed_EachCode_CountsUnderItsLabel()
    {
        var m = new TransportMetrics();
        for (int i = 0; i < 5; i++) m.ConnectionOpened();
        m.ConnectionClosed(1000);
        m.ConnectionClosed(1001);
        m.ConnectionClosed(1001);
        m.ConnectionClosed(1015);
        m.ConnectionClosed(4000);
        Assert.Multiple(() =>
        {
            Assert.That(m.ClosedByCode(IndexOf(TransportMetrics.CloseCodeLabels, "1000")), Is.EqualTo(1));
            Assert.That(m.ClosedByCode(IndexOf(TransportMetrics.CloseCodeLabels, "1001")), Is.EqualTo(2));
            Assert.That(m.ClosedByCode(IndexOf(TransportMetrics.CloseCodeLabels, "1015")), Is.EqualTo(1));
            Assert.That(m.ClosedByCode(IndexOf(TransportMetrics.CloseCodeLabels, "other")), Is.EqualTo(1));
            Assert.That(m.ConnectionsClosed, Is.EqualTo(5));
            Assert.That(m.ConnectionsCurrent, Is.Zero);
        });
    }

    [TestCase(999, "other")]
    [TestCase(1000, "1000")]
    [TestCase(1015, "1015")]
    [TestCase(1016, "other")]
    [TestCase(3000, "other")]
    public void CloseSlot_CodesAtAndPastTheRange_MapToTheirLabel(int code, string label) =>
        Assert.That(TransportMetrics.CloseCodeLabels[TransportMetrics.CloseSlot((ushort)code)], Is.EqualTo(label));

    [TestCase(400, "400")]
    [TestCase(431, "431")]
    [TestCase(503, "503")]
    [TestCase(418, "other")]
    public void HandshakeRejected_Status_CountsUnderItsLabel(int status, string label)
    {
        var m = new TransportMetrics();
        m.HandshakeRejected(status);
        Assert.That(m.RejectedByStatus(IndexOf(TransportMetrics.RejectionStatusLabels, label)), Is.EqualTo(1));
    }

    [Test]
    public void BytesAndQueue_AddAndDrain_FoldToTotals()
    {
        var m = new TransportMetrics();
        m.BytesReceived(100);
        m.BytesSent(30);
        m.BytesSent(12);
        m.ObserveOutboundBytes(() => 300);
        m.SlowConsumerClosed();
        Assert.Multiple(() =>
        {
            Assert.That(m.BytesReceivedTotal, Is.EqualTo(100));
            Assert.That(m.BytesSentTotal, Is.EqualTo(42));
            Assert.That(m.OutboundQueueBytes, Is.EqualTo(300));
            Assert.That(m.SlowConsumerCloses, Is.EqualTo(1));
        });
    }

    [Test]
    public void Counting_EveryEvent_AllocatesNothing()
    {
        var m = new TransportMetrics();
        m.ConnectionOpened();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            m.ConnectionOpened();
            m.BytesReceived(64);
            m.BytesSent(64);
            m.HandshakeRejected(426);
            m.HandshakeRejected("HTTP/1.1 401 Unauthorized\r\n"u8);
            m.ConnectionClosed(1000);
            m.SlowConsumerClosed();
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [TestCase("HTTP/1.1 404 Not Found\r\n", 404)]
    [TestCase("HTTP/1.0 503 x", 503)]
    [TestCase("HTTP/1.1 40", 0)]
    [TestCase("HTTP/1.1 4x4 Nope", 0)]
    [TestCase("HTTP/2 404 Not Found", 0)]
    [TestCase("", 0)]
    public void StatusOf_CannedResponseBytes_ReadsTheStatus(string response, int expected) =>
        Assert.That(TransportMetrics.StatusOf(System.Text.Encoding.ASCII.GetBytes(response)), Is.EqualTo(expected));

    [Test]
    public void OutboundQueueBytes_NoTableRegistered_IsZero() => Assert.That(new TransportMetrics().OutboundQueueBytes, Is.Zero);

    [Test]
    public void ClosedByCode_IndexPastTheLabels_Throws() =>
        Assert.That(() => new TransportMetrics().ClosedByCode(TransportMetrics.CloseCodeLabels.Count), Throws.TypeOf<ArgumentOutOfRangeException>());

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (int i = 0; i < labels.Count; i++) if (labels[i] == label) return i;
        throw new AssertionException($"no label {label}");
    }
}
