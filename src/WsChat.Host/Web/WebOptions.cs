namespace WsChat.Host.Web;

/// <summary>The <c>WsChat:Web</c> section: the bundled web page (docs/web-client.md).</summary>
internal sealed class WebOptions
{
    public const string Section = "WsChat:Web";

    /// <summary>Serve the page at <c>/</c> and its files at <c>/static/</c>. Default true: it is how a person
    /// tries the server; turn it off when wschat only serves other clients.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A URL the page fetches a token from (with the browser's cookies), answering <c>{"token": JWT}</c> or
    /// the JWT as text: your sign-in service. Default none: people paste a token (or, in development mode, give a name).</summary>
    public string? TokenUrl { get; set; }
}

/// <summary>The <c>WsChat:Development</c> section.</summary>
internal sealed class DevelopmentOptions
{
    public const string Section = "WsChat:Development";

    /// <summary>Development mode: <c>GET /dev/token?user=NAME</c> mints a token for any name, so that the page signs
    /// in with just a name. Default false, and it must stay false anywhere but a developer's machine: anyone could
    /// be anyone. appsettings.Development.json turns it on for <c>dotnet run</c>.</summary>
    public bool Enabled { get; set; }
}
