using WsChat.Core.Ports;

namespace WsChat.Host.Storage;

/// <summary>A <c>messages</c> row as Dapper materialises it; queries alias the columns to these names
/// (<see cref="Columns"/>), so no global Dapper setting is needed.</summary>
internal sealed class MessageRow
{
    /// <summary>The select list every store query uses.</summary>
    public const string Columns = "id AS Id, from_id AS FromId, from_name AS FromName, text AS Text, ts AS Ts, ref AS Ref, to_id AS ToId";

    public long Id { get; init; }
    public string FromId { get; init; } = "";
    public string FromName { get; init; } = "";
    public string Text { get; init; } = "";
    public long Ts { get; init; }
    public string? Ref { get; init; }
    public string? ToId { get; init; }

    public StoredMessage ToMessage(ConversationKey conversation) => new(conversation, Id, FromId, FromName, Text, Ts, Ref, ToId);

    /// <summary>Rows read newest first, one more than wanted: the page oldest first and whether more exist.</summary>
    public static MessagePage ToPage(List<MessageRow> newestFirst, int wanted, ConversationKey conversation)
    {
        bool more = newestFirst.Count > wanted;
        int count = Math.Min(newestFirst.Count, wanted);
        var messages = new StoredMessage[count];
        for (int i = 0; i < count; i++) messages[count - 1 - i] = newestFirst[i].ToMessage(conversation);
        return count == 0 && !more ? MessagePage.Empty : new MessagePage(messages, more);
    }
}
