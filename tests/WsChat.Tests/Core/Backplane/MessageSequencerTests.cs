using WsChat.Core.Backplane;
using WsChat.Net.Buffers;

namespace WsChat.Tests.Core.Backplane;

public class MessageSequencerTests
{
    private static SequencedItem Item() => new(SharedFrame.Rent(8));

    private static List<long> TakeAll(MessageSequencer sequencer)
    {
        var taken = new List<long>();
        while (sequencer.TryTake(out long id, out SequencedItem item))
        {
            taken.Add(id);
            item.Frame?.Release();
        }

        return taken;
    }

    [Test]
    public void Offer_InOrder_DeliversEachAtOnce()
    {
        var sequencer = new MessageSequencer(10);
        Assert.That(sequencer.Offer(11, Item()), Is.True);
        Assert.That(TakeAll(sequencer), Is.EqualTo(new long[] { 11 }));
        Assert.That(sequencer.Offer(12, Item()), Is.True);
        Assert.That(TakeAll(sequencer), Is.EqualTo(new long[] { 12 }));
        sequencer.NoteGap(100, progressed: true);
        Assert.That(sequencer.GapSince, Is.Zero);
    }

    [Test]
    public void Offer_LaterIdFirst_HoldsItUntilTheMissingOneArrives()
    {
        var sequencer = new MessageSequencer(0);
        sequencer.Offer(3, Item());
        sequencer.Offer(2, Item());
        Assert.That(TakeAll(sequencer), Is.Empty);
        sequencer.NoteGap(100, progressed: false);
        Assert.That(sequencer.GapSince, Is.EqualTo(100));
        sequencer.Offer(1, Item());
        Assert.That(TakeAll(sequencer), Is.EqualTo(new long[] { 1, 2, 3 }));
        sequencer.NoteGap(200, progressed: true);
        Assert.That((sequencer.GapSince, sequencer.PendingCount, sequencer.Delivered), Is.EqualTo((0L, 0, 3L)));
    }

    [Test]
    public void Offer_DeliveredOrHeldId_IsRefusedSoTheCallerReleasesIt()
    {
        var sequencer = new MessageSequencer(5);
        SequencedItem old = Item();
        Assert.That(sequencer.Offer(5, old), Is.False, "delivered already");
        old.Frame!.Release();
        sequencer.Offer(7, Item());
        SequencedItem copy = Item();
        Assert.That(sequencer.Offer(7, copy), Is.False, "held already: the same message from storage and pub/sub");
        copy.Frame!.Release();
        sequencer.Clear(i => i.Frame?.Release());
    }

    [Test]
    public void Void_MissingIdAnnouncedAsNeverStored_IsSkippedWithoutAGap()
    {
        var sequencer = new MessageSequencer(0);
        sequencer.Offer(2, Item());
        sequencer.Offer(1, SequencedItem.Void);
        var taken = new List<(long, bool)>();
        while (sequencer.TryTake(out long id, out SequencedItem item))
        {
            taken.Add((id, item.IsVoid));
            item.Frame?.Release();
        }

        Assert.That(taken, Is.EqualTo(new[] { (1L, true), (2L, false) }));
    }

    [Test]
    public void SkipGaps_IdsMissingBelowTheHeldOnes_AreGivenUpAndTheRestDelivered()
    {
        var sequencer = new MessageSequencer(10);
        sequencer.Offer(14, Item());
        sequencer.Offer(15, Item());
        sequencer.Offer(18, Item());
        Assert.That(sequencer.SkipGaps(), Is.EqualTo(3), "11, 12, 13");
        Assert.That(TakeAll(sequencer), Is.EqualTo(new long[] { 14, 15 }));
        Assert.That(sequencer.SkipGaps(), Is.EqualTo(2), "16, 17");
        Assert.That(TakeAll(sequencer), Is.EqualTo(new long[] { 18 }));
        Assert.That(sequencer.SkipGaps(), Is.Zero, "nothing held: nothing to skip");
    }

    [Test]
    public void NoteGap_ProgressPastOneGapIntoAnother_RestartsTheClock()
    {
        var sequencer = new MessageSequencer(0);
        sequencer.Offer(2, Item());
        sequencer.Offer(4, Item());
        sequencer.NoteGap(100, progressed: false);
        sequencer.NoteGap(150, progressed: false);
        Assert.That(sequencer.GapSince, Is.EqualTo(100), "the same gap keeps its age");
        sequencer.Offer(1, Item());
        TakeAll(sequencer);
        sequencer.NoteGap(300, progressed: true);
        Assert.That(sequencer.GapSince, Is.EqualTo(300), "3 is a new gap: it gets its own time before it is given up");
        sequencer.Clear(i => i.Frame?.Release());
        Assert.That(sequencer.PendingCount, Is.Zero);
    }

    [Test]
    public void AdvanceTo_MovesPastIdsWithoutDeliveringThem()
    {
        var sequencer = new MessageSequencer(3);
        sequencer.AdvanceTo(8);
        sequencer.AdvanceTo(5);
        Assert.That(sequencer.Delivered, Is.EqualTo(8));
        Assert.That(sequencer.Offer(8, SequencedItem.Void), Is.False);
    }
}
