namespace WsChat.Net.Transport;

/// <summary>Which socket engine carries a <see cref="WebSocketServer"/>'s connections
/// (<see cref="WebSocketServerOptions.SocketEngine"/>).</summary>
public enum SocketEngine
{
    /// <summary>The best engine this platform supports: <see cref="Epoll"/> on Linux (x64, arm64), else <see cref="Managed"/>.</summary>
    Auto,

    /// <summary>System.Net.Sockets: portable; about 1.2 KB of memory per idle connection for the socket alone
    /// (docs/benchmarks.md "Idle chat memory").</summary>
    Managed,

    /// <summary>wschat's own epoll loop (Linux only): accept4 and non-blocking recv/send on raw descriptors, one shared
    /// edge-triggered epoll instance; an idle connection costs its descriptor, its epoll registration and one small
    /// object. Starting a server with it elsewhere throws <see cref="PlatformNotSupportedException"/>.</summary>
    Epoll,
}
