namespace WsChat.Net.Http;

/// <summary>Where one header field's name and (OWS-trimmed) value lie in the head buffer.</summary>
internal readonly record struct HttpHeaderEntry(int NameStart, int NameLength, int ValueStart, int ValueLength);
