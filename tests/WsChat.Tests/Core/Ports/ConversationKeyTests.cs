using WsChat.Core.Ports;

namespace WsChat.Tests.Core.Ports;

public sealed class ConversationKeyTests
{
    [Test]
    public void Room_Name_IsRoomWithThatName()
    {
        ConversationKey key = ConversationKey.Room("general");
        Assert.Multiple(() =>
        {
            Assert.That(key.IsRoom, Is.True);
            Assert.That(key.IsDirect, Is.False);
            Assert.That(key.RoomName.ToString(), Is.EqualTo("general"));
            Assert.That(key.Value, Is.EqualTo("#general"));
        });
    }

    [Test]
    public void Direct_EitherOrder_SameKey()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ConversationKey.Direct("bob", "alice"), Is.EqualTo(ConversationKey.Direct("alice", "bob")));
            Assert.That(ConversationKey.Direct("bob", "alice").GetHashCode(), Is.EqualTo(ConversationKey.Direct("alice", "bob").GetHashCode()));
        });
    }

    [TestCase("a", "bc", "ab", "c")]
    [TestCase("1:a", "b", "1", ":ab")]
    [TestCase("x@#", "x", "x@", "#x")]
    public void Direct_PairsThatConcatenateAlike_AreDifferent(string a1, string b1, string a2, string b2) =>
        Assert.That(ConversationKey.Direct(a1, b1), Is.Not.EqualTo(ConversationKey.Direct(a2, b2)));

    [TestCase("alice", "bob")]
    [TestCase("user:1", "user:10")]
    [TestCase("same", "same")]
    [TestCase("ü€😀", "12:34")]
    public void Direct_Users_RoundTripThroughParse(string a, string b)
    {
        ConversationKey key = ConversationKey.Parse(ConversationKey.Direct(a, b).Value);
        Assert.That(key.TryGetUsers(out ReadOnlySpan<char> first, out ReadOnlySpan<char> second), Is.True);
        string[] expected = string.CompareOrdinal(a, b) <= 0 ? [a, b] : [b, a];
        Assert.That(new[] { first.ToString(), second.ToString() }, Is.EqualTo(expected));
    }

    [Test]
    public void TryGetPeer_EitherUser_GivesTheOther()
    {
        ConversationKey key = ConversationKey.Direct("alice", "bob");
        Assert.That(key.TryGetPeer("alice", out ReadOnlySpan<char> peer), Is.True);
        Assert.That(peer.ToString(), Is.EqualTo("bob"));
        Assert.That(key.TryGetPeer("bob", out peer), Is.True);
        Assert.That(peer.ToString(), Is.EqualTo("alice"));
        Assert.That(key.TryGetPeer("carol", out _), Is.False);
        Assert.That(ConversationKey.Room("alice").TryGetPeer("alice", out _), Is.False);
    }

    [TestCase("")]
    [TestCase("#")]
    [TestCase("general")]
    [TestCase("@")]
    [TestCase("@5:ab")]
    [TestCase("@0:ab")]
    [TestCase("@x:ab")]
    [TestCase("@-1:ab")]
    [TestCase("@2:ab")]
    [TestCase("@:ab")]
    public void Parse_Malformed_Throws(string value) =>
        Assert.That(() => ConversationKey.Parse(value), Throws.InstanceOf<FormatException>());

    [Test]
    public void Factories_EmptyNames_Throw()
    {
        Assert.That(() => ConversationKey.Room(""), Throws.ArgumentException);
        Assert.That(() => ConversationKey.Direct("", "b"), Throws.ArgumentException);
        Assert.That(() => ConversationKey.Direct("a", ""), Throws.ArgumentException);
    }

    [Test]
    public void Default_IsNeitherRoomNorDirect()
    {
        ConversationKey key = default;
        Assert.Multiple(() =>
        {
            Assert.That(key.IsRoom, Is.False);
            Assert.That(key.IsDirect, Is.False);
            Assert.That(key.ToString(), Is.Empty);
        });
    }
}
