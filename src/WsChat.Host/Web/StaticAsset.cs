namespace WsChat.Host.Web;

/// <summary>One file of the bundled web client, loaded once at startup and served from memory.</summary>
/// <remarks>Immutable after construction, so any number of connections read it at once.</remarks>
internal sealed class StaticAsset
{
    public StaticAsset(string name, string contentType, byte[] body, string fingerprint)
    {
        Name = name;
        ContentType = contentType;
        Body = body;
        Fingerprint = fingerprint;
        ETag = "\"" + fingerprint + "\"";
    }

    /// <summary>The file name under wwwroot, e.g. <c>app.js</c>.</summary>
    public string Name { get; }

    /// <summary>The <c>Content-Type</c> header value (with a charset for text).</summary>
    public string ContentType { get; }

    /// <summary>The bytes served (references to other assets already carry their fingerprint).</summary>
    public byte[] Body { get; }

    /// <summary>A hash of <see cref="Body"/>: the <c>v</c> query value that makes a URL immutable.</summary>
    public string Fingerprint { get; }

    /// <summary>The strong entity tag (RFC 9110 §8.8.3): the quoted fingerprint.</summary>
    public string ETag { get; }
}
