using System.Net;

namespace WsChat.Host.Configuration;

/// <summary>
/// The <c>WsChat</c> configuration section (appsettings.json, <c>WSCHAT_</c> environment variables, command line
/// <c>--WsChat:Port=9000</c>). Defaults follow PROTOCOL.md §5; the README's table lists each with its reason.
/// </summary>
internal sealed class WsChatOptions
{
    public const string Section = "WsChat";

    /// <summary>Address to listen on. Default 0.0.0.0 (all IPv4 interfaces); "::" for dual-stack.</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>TCP port. Default 8080 (PROTOCOL.md §1); 0 picks a free port (logged at start).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>Listen backlog. Default 512 (reconnect storms).</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>Heartbeat ping interval; 0 turns heartbeats off. Default 30 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time to a complete request head. Default 10 s, then 408.</summary>
    public TimeSpan RequestHeadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Close handshake wait. Default 5 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Drain wait on shutdown. Default 10 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Outbound queue bound per connection. Default 1 MiB, then 1008 "slow consumer".</summary>
    public long MaxOutboundBytes { get; set; } = 1024 * 1024;

    /// <summary>Browser origins allowed besides same-host. Default none.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>The <c>/echo</c> endpoint (PROTOCOL.md §1): off unless enabled.</summary>
    public EchoOptions Echo { get; set; } = new();

    internal IPEndPoint Endpoint => new(IPAddress.Parse(Address), Port);

    internal void Validate()
    {
        if (!IPAddress.TryParse(Address, out _)) throw new InvalidOperationException($"WsChat:Address '{Address}' is not an IP address.");
        if (Port is < 0 or > 65535) throw new InvalidOperationException($"WsChat:Port {Port} is out of range.");
    }

    internal sealed class EchoOptions
    {
        /// <summary>Serve <c>/echo</c>. Default false: it exists for conformance suites, not for users.</summary>
        public bool Enabled { get; set; }

        /// <summary>Largest echoed message. Default 16 MiB (PROTOCOL.md §5), then 1009.</summary>
        public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;
    }
}
