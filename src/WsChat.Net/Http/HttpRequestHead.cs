using System.Buffers;
using System.Text;

namespace WsChat.Net.Http;

/// <summary>
/// A parsed request head: the method, target and header fields as spans into one pooled copy of the
/// head bytes (no string per header). Filled by <see cref="RequestHeadParser"/>.
/// </summary>
/// <remarks>
/// Reusable: <see cref="Dispose"/> returns the pooled buffers and leaves the object empty, ready for
/// the next parse; keep one per connection (or per accept loop) and parsing allocates nothing.
/// Not thread-safe. Spans returned by its members are valid until Dispose or the next parse.
/// </remarks>
internal sealed class HttpRequestHead : IDisposable
{
    private byte[] _buffer = [];
    private HttpHeaderEntry[] _headers = [];
    private int _length;
    private int _headerCount;
    private int _methodLength;
    private int _targetStart;
    private int _targetLength;
    private int _pathStart;       // origin-form: = _targetStart; absolute-form: after the authority
    private int _pathLength;
    private int _queryStart;      // after '?'; -1 without a query
    private int _queryLength;

    /// <summary>Head length in bytes, request line through the final CRLF.</summary>
    public int Length => _length;

    /// <summary>The method token (for example GET).</summary>
    public ReadOnlySpan<byte> Method => _buffer.AsSpan(0, _methodLength);

    /// <summary>True for a GET request.</summary>
    public bool IsGet => Method.SequenceEqual("GET"u8);

    /// <summary>The request-target as sent.</summary>
    public ReadOnlySpan<byte> Target => _buffer.AsSpan(_targetStart, _targetLength);

    /// <summary>The path, still percent-encoded (from "/" up to "?" or the end); "/" for an absolute-form target without a path.</summary>
    public ReadOnlySpan<byte> Path => _pathLength == 0 ? "/"u8 : _buffer.AsSpan(_pathStart, _pathLength);

    /// <summary>The query without its "?", still percent-encoded; empty when there is none.</summary>
    public ReadOnlySpan<byte> Query => _queryStart < 0 ? default : _buffer.AsSpan(_queryStart, _queryLength);

    /// <summary>Number of header fields.</summary>
    public int HeaderCount => _headerCount;

    /// <summary>The whole head as received.</summary>
    public ReadOnlySpan<byte> Raw => _buffer.AsSpan(0, _length);

    /// <summary>Name of header field <paramref name="index"/>, as sent (case preserved).</summary>
    public ReadOnlySpan<byte> GetHeaderName(int index)
    {
        HttpHeaderEntry e = GetEntry(index);
        return _buffer.AsSpan(e.NameStart, e.NameLength);
    }

    /// <summary>Value of header field <paramref name="index"/>, without leading and trailing whitespace.</summary>
    public ReadOnlySpan<byte> GetHeaderValue(int index)
    {
        HttpHeaderEntry e = GetEntry(index);
        return _buffer.AsSpan(e.ValueStart, e.ValueLength);
    }

    /// <summary>The first field named <paramref name="name"/> (ASCII case-insensitive).</summary>
    public bool TryGetHeader(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        for (int i = 0; i < _headerCount; i++)
        {
            HttpHeaderEntry e = _headers[i];
            if (Ascii.EqualsIgnoreCase(_buffer.AsSpan(e.NameStart, e.NameLength), name))
            {
                value = _buffer.AsSpan(e.ValueStart, e.ValueLength);
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>How many fields are named <paramref name="name"/> (ASCII case-insensitive).</summary>
    public int CountHeader(ReadOnlySpan<byte> name)
    {
        int count = 0;
        for (int i = 0; i < _headerCount; i++)
        {
            HttpHeaderEntry e = _headers[i];
            if (Ascii.EqualsIgnoreCase(_buffer.AsSpan(e.NameStart, e.NameLength), name)) count++;
        }

        return count;
    }

    /// <summary>
    /// True when a comma-separated list field (all fields of that name together, RFC 9110 §5.3) holds
    /// <paramref name="token"/>, ASCII case-insensitive: <c>Connection: keep-alive, Upgrade</c> holds "upgrade".
    /// </summary>
    public bool HeaderContainsToken(ReadOnlySpan<byte> name, ReadOnlySpan<byte> token)
    {
        for (int i = 0; i < _headerCount; i++)
        {
            HttpHeaderEntry e = _headers[i];
            if (Ascii.EqualsIgnoreCase(_buffer.AsSpan(e.NameStart, e.NameLength), name)
                && HttpChars.ListContainsToken(_buffer.AsSpan(e.ValueStart, e.ValueLength), token))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The first query parameter whose (decoded) name is <paramref name="name"/>, value still
    /// percent-encoded. A parameter without "=" has an empty value.
    /// </summary>
    public bool TryGetQueryParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> rawValue) =>
        QueryString.TryGetParameter(Query, name, out rawValue);

    /// <summary>
    /// The first query parameter named <paramref name="name"/>, percent-decoded ("+" is a space) into a
    /// string; null when absent or not decodable (bad %XX, or not UTF-8). Allocates the string.
    /// </summary>
    public string? GetQueryParameter(string name)
    {
        Span<byte> utf8Name = stackalloc byte[256];
        if (!Encoding.UTF8.TryGetBytes(name, utf8Name, out int nameLength)) return null;
        if (!TryGetQueryParameter(utf8Name[..nameLength], out ReadOnlySpan<byte> raw)) return null;
        return PercentEncoding.DecodeToString(raw, plusIsSpace: true);
    }

    /// <summary>Returns the pooled buffers; the object is empty and reusable afterwards.</summary>
    public void Dispose()
    {
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        if (_headers.Length > 0) ArrayPool<HttpHeaderEntry>.Shared.Return(_headers);
        _buffer = [];
        _headers = [];
        _length = _headerCount = _methodLength = _targetStart = _targetLength = _pathStart = _pathLength = _queryLength = 0;
        _queryStart = -1;
    }

    // ---- filled by RequestHeadParser ----

    internal Span<byte> Rent(int length, int headerCapacity)
    {
        Dispose();
        _buffer = ArrayPool<byte>.Shared.Rent(length);
        _headers = ArrayPool<HttpHeaderEntry>.Shared.Rent(Math.Max(headerCapacity, 1));
        _length = length;
        return _buffer.AsSpan(0, length);
    }

    internal void SetRequestLine(int methodLength, int targetStart, int targetLength, int pathStart, int pathLength, int queryStart, int queryLength)
    {
        _methodLength = methodLength;
        _targetStart = targetStart;
        _targetLength = targetLength;
        _pathStart = pathStart;
        _pathLength = pathLength;
        _queryStart = queryStart;
        _queryLength = queryLength;
    }

    internal void AddHeader(HttpHeaderEntry entry) => _headers[_headerCount++] = entry;

    private HttpHeaderEntry GetEntry(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_headerCount, nameof(index));
        return _headers[index];
    }
}
