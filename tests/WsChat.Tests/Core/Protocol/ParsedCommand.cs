using System.Text;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Protocol;

/// <summary>
/// A <see cref="ClientCommand"/> (a ref struct) copied into a class so tests can keep and compare it;
/// borrowed fields become strings, empty spans become null.
/// </summary>
internal sealed record ParsedCommand(
    bool Ok, CommandType Type, string? Ref, string? Room, string? Text, string? To, string? Token, string? Dm,
    long? Since, long? Before, int? Limit, bool TypingStatus, ErrorCode Code, string Message)
{
    public static ParsedCommand Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    public static ParsedCommand Parse(byte[] json, int maxTextLength = ProtocolLimits.DefaultMaxTextLength)
    {
        bool ok = ClientMessageReader.TryRead(json, maxTextLength, out ClientCommand cmd, out ProtocolError error);
        return new ParsedCommand(ok, cmd.Type, Str(cmd.Ref), Str(cmd.Room), Str(cmd.Text), Str(cmd.To), Str(cmd.Token), Str(cmd.Dm),
            cmd.Since, cmd.Before, cmd.Limit, cmd.TypingStatus, error.Code, error.Message);
    }

    private static string? Str(ReadOnlySpan<byte> utf8) => utf8.IsEmpty ? null : Encoding.UTF8.GetString(utf8);
}
