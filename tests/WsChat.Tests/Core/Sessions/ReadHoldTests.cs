using System.Text;
using WsChat.Core.Sessions;

namespace WsChat.Tests.Core.Sessions;

/// <summary>What a connection sends while it waits for the backplane (issue 8): held in order, bounded, run after
/// the answer, dropped when refused.</summary>
public class ReadHoldTests
{
    [Test]
    public void TryHold_AtTheMessageBound_Holds_OnePastIt_Refuses()
    {
        var hold = new ReadHold();
        for (int i = 0; i < ReadHold.MaxHeldMessages; i++) Assert.That(hold.TryHold(Json(i)), Is.EqualTo(HoldOutcome.Held), $"message {i}");
        Assert.That(hold.TryHold(Json(ReadHold.MaxHeldMessages)), Is.EqualTo(HoldOutcome.Full));
    }

    [Test]
    public void TryHold_AtTheByteBound_Holds_OneBytePastIt_Refuses()
    {
        var hold = new ReadHold();
        Assert.That(hold.TryHold(new byte[ReadHold.MaxHeldBytes - 1]), Is.EqualTo(HoldOutcome.Held));
        Assert.That(hold.TryHold(new byte[1]), Is.EqualTo(HoldOutcome.Held), "exactly at the bound");
        Assert.That(hold.TryHold(new byte[1]), Is.EqualTo(HoldOutcome.Full));
    }

    [Test]
    public void Release_Admitted_RunsTheAnswerFirst_ThenTheHeldMessagesInOrder_ThenHoldsNoMore()
    {
        var hold = new ReadHold();
        for (int i = 0; i < 3; i++) hold.TryHold(Json(i));
        var ran = new List<string>();
        hold.Release(() => { ran.Add("welcome"); return true; }, json => ran.Add(Encoding.UTF8.GetString(json)));
        Assert.That(ran, Is.EqualTo(new[] { "welcome", "{\"n\":0}", "{\"n\":1}", "{\"n\":2}" }));
        Assert.That(hold.TryHold(Json(4)), Is.EqualTo(HoldOutcome.Over), "after the release the caller handles messages itself");
    }

    [Test]
    public void Release_Refused_DropsTheHeldMessages()
    {
        var hold = new ReadHold();
        hold.TryHold(Json(0));
        var ran = new List<byte[]>();
        hold.Release(() => false, ran.Add);
        Assert.That(ran, Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public async Task TryHold_DuringTheRelease_WaitsForIt_AndReportsItOver(CancellationToken ct)
    {
        var hold = new ReadHold();
        hold.TryHold(Json(0));
        using var releasing = new ManualResetEventSlim();
        using var finish = new ManualResetEventSlim();
        var order = new List<string>();
        Task release = Task.Run(() => hold.Release(() => { releasing.Set(); finish.Wait(ct); return true; }, _ => { lock (order) order.Add("held"); }), ct);
        releasing.Wait(ct);
        Task<HoldOutcome> late = Task.Run(() => hold.TryHold(Json(1)), ct);
        await Task.Delay(50, ct);
        Assert.That(late.IsCompleted, Is.False, "a message read during the release waits for the held ones");
        finish.Set();
        await release;
        Assert.That(await late, Is.EqualTo(HoldOutcome.Over));
        Assert.That(order, Is.EqualTo(new[] { "held" }));
    }

    private static byte[] Json(int n) => Encoding.UTF8.GetBytes($$"""{"n":{{n}}}""");
}
