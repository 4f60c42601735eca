using System.Buffers.Text;
using System.Security.Cryptography;

namespace WsChat.Net.Http;

/// <summary>
/// The server side of the opening handshake (RFC 6455 §4.2): checks an upgrade request and writes the
/// 101 response. Static and thread-safe; allocates nothing (SHA-1 and base64 in stack buffers).
/// </summary>
internal static class WebSocketHandshake
{
    /// <summary>Length of a Sec-WebSocket-Accept value: base64 of a 20-byte SHA-1.</summary>
    public const int AcceptLength = 28;

    /// <summary>Length of a Sec-WebSocket-Key value: base64 of 16 bytes, with "==" padding.</summary>
    public const int KeyLength = 24;

    /// <summary>Length of the 101 response WriteSwitchingProtocols writes.</summary>
    public const int SwitchingProtocolsLength = 129;

    // RFC 6455 §1.3: the GUID appended to the key before hashing.
    private static ReadOnlySpan<byte> Guid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>
    /// Checks <paramref name="request"/>, in this order: method (405), Upgrade and Connection (426),
    /// version (426), key (400), Origin (403). The route and the token are the caller's.
    /// </summary>
    public static HandshakeResult Validate(HttpRequestHead request, OriginPolicy origins)
    {
        // §4.1: "The method of the request MUST be GET".
        if (!request.IsGet) return HandshakeResult.MethodNotAllowed;
        // §4.2.1 items 3-4: Upgrade holds "websocket", Connection holds "Upgrade" (both case-insensitive tokens).
        if (!request.HeaderContainsToken("Upgrade"u8, "websocket"u8) || !request.HeaderContainsToken("Connection"u8, "upgrade"u8))
        {
            return HandshakeResult.UpgradeRequired;
        }

        // §4.2.1 item 6 and §4.4: any version but 13 gets a 426 naming the one we speak.
        if (request.CountHeader("Sec-WebSocket-Version"u8) != 1
            || !request.TryGetHeader("Sec-WebSocket-Version"u8, out ReadOnlySpan<byte> version)
            || !version.SequenceEqual("13"u8))
        {
            return HandshakeResult.VersionRequired;
        }

        // §4.2.1 item 5: the key is base64 of 16 bytes (a nonce); one field only.
        if (request.CountHeader("Sec-WebSocket-Key"u8) != 1
            || !request.TryGetHeader("Sec-WebSocket-Key"u8, out ReadOnlySpan<byte> key)
            || !IsValidKey(key))
        {
            return HandshakeResult.BadKey;
        }

        bool hasOrigin = request.TryGetHeader("Origin"u8, out ReadOnlySpan<byte> origin);
        request.TryGetHeader("Host"u8, out ReadOnlySpan<byte> host);
        if (hasOrigin && request.CountHeader("Origin"u8) != 1) return HandshakeResult.ForbiddenOrigin;
        return origins.IsAllowed(origin, hasOrigin, host) ? HandshakeResult.Accepted : HandshakeResult.ForbiddenOrigin;
    }

    /// <summary>The HTTP status of a result (101, 400, 403, 405, 426).</summary>
    public static int ToStatusCode(this HandshakeResult result) => result switch
    {
        HandshakeResult.Accepted => 101,
        HandshakeResult.MethodNotAllowed => 405,
        HandshakeResult.UpgradeRequired or HandshakeResult.VersionRequired => 426,
        HandshakeResult.BadKey => 400,
        _ => 403,
    };

    /// <summary>The canned response refusing the upgrade; empty for <see cref="HandshakeResult.Accepted"/>.</summary>
    public static ReadOnlyMemory<byte> RejectionResponse(HandshakeResult result) => result switch
    {
        HandshakeResult.Accepted => ReadOnlyMemory<byte>.Empty,
        HandshakeResult.MethodNotAllowed => HttpResponses.MethodNotAllowed,
        HandshakeResult.UpgradeRequired => HttpResponses.UpgradeRequired,
        HandshakeResult.VersionRequired => HttpResponses.VersionRequired,
        HandshakeResult.BadKey => HttpResponses.BadRequest,
        _ => HttpResponses.Forbidden,
    };

    /// <summary>True when <paramref name="key"/> is 24 base64 characters decoding to exactly 16 bytes.</summary>
    public static bool IsValidKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength) return false;
        Span<byte> nonce = stackalloc byte[18];
        return Base64.DecodeFromUtf8(key, nonce, out int consumed, out int written) == System.Buffers.OperationStatus.Done
            && consumed == KeyLength && written == 16;
    }

    /// <summary>
    /// Writes Sec-WebSocket-Accept = base64(SHA-1(key + GUID)) (§4.2.2 item 5.4) into
    /// <paramref name="destination"/> (28 bytes).
    /// </summary>
    public static void ComputeAccept(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        if (key.Length > 64) throw new ArgumentException("A Sec-WebSocket-Key is 24 bytes.", nameof(key));
        Span<byte> input = stackalloc byte[64 + 36];
        key.CopyTo(input);
        Guid.CopyTo(input[key.Length..]);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input[..(key.Length + Guid.Length)], hash);
        Base64.EncodeToUtf8(hash, destination, out _, out int written);
        if (written != AcceptLength) throw new ArgumentException("The destination must hold 28 bytes.", nameof(destination));
    }

    /// <summary>
    /// Writes the 101 Switching Protocols response for a request <see cref="Validate"/> accepted, and
    /// returns its length (always <see cref="SwitchingProtocolsLength"/>). No subprotocol, no extensions
    /// (permessage-deflate is not offered, PROTOCOL.md §5).
    /// </summary>
    public static int WriteSwitchingProtocols(HttpRequestHead request, Span<byte> destination)
    {
        if (!request.TryGetHeader("Sec-WebSocket-Key"u8, out ReadOnlySpan<byte> key)) throw new InvalidOperationException("The request has no Sec-WebSocket-Key.");
        return WriteSwitchingProtocols(key, destination);
    }

    /// <summary>Same, from the key.</summary>
    public static int WriteSwitchingProtocols(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        ReadOnlySpan<byte> head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "u8;
        ReadOnlySpan<byte> tail = "\r\n\r\n"u8;
        int length = head.Length + AcceptLength + tail.Length;
        if (destination.Length < length) throw new ArgumentException("The destination is too short for the 101 response.", nameof(destination));
        head.CopyTo(destination);
        ComputeAccept(key, destination.Slice(head.Length, AcceptLength));
        tail.CopyTo(destination[(head.Length + AcceptLength)..]);
        return length;
    }
}
