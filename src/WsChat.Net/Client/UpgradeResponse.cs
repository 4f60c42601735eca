using System.Text;
using WsChat.Net.Http;

namespace WsChat.Net.Client;

/// <summary>Checks the server's answer to the opening handshake (RFC 6455 §4.1, the client's side).</summary>
internal static class UpgradeResponse
{
    /// <summary>Throws unless <paramref name="head"/> is a 101 with Upgrade, Connection and the right Sec-WebSocket-Accept.</summary>
    public static void Verify(ReadOnlySpan<byte> head, string key)
    {
        int lineEnd = head.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> statusLine = lineEnd < 0 ? head : head[..lineEnd];
        if (!statusLine.StartsWith("HTTP/1.1 "u8) || statusLine.Length < 12 || !int.TryParse(statusLine.Slice(9, 3), out int status))
        {
            throw new WebSocketHandshakeException(0, "The response is not HTTP/1.1.");
        }

        if (status != 101) throw new WebSocketHandshakeException(status, $"The server answered {Encoding.ASCII.GetString(statusLine)}.");

        Span<byte> expected = stackalloc byte[WebSocketHandshake.AcceptLength];
        WebSocketHandshake.ComputeAccept(Encoding.ASCII.GetBytes(key), expected);
        bool upgrade = false, connection = false, accept = false;
        ReadOnlySpan<byte> rest = head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "Upgrade"u8)) upgrade = Ascii.EqualsIgnoreCase(value, "websocket"u8);
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8)) connection = HttpChars.ListContainsToken(value, "upgrade"u8);
            else if (Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Accept"u8)) accept = value.SequenceEqual(expected);
        }

        if (!upgrade || !connection) throw new WebSocketHandshakeException(101, "The 101 response lacks Upgrade: websocket or Connection: Upgrade.");
        if (!accept) throw new WebSocketHandshakeException(101, "Sec-WebSocket-Accept does not match the key (RFC 6455 §4.1).");
    }
}
