using System.Net;

namespace WsChat.LoadGen.Options;

/// <summary>The scenarios of issue 5; each is one way of driving the same connections.</summary>
internal enum ScenarioKind
{
    Idle,
    Fanout,
    Churn,
    Dm,
    History,
}

/// <summary>Which WebSocket client implementation the loadgen drives connections with.</summary>
internal enum ClientKind
{
    /// <summary>WsChat.Net's framer on the loadgen's own epoll receive loops (the default on Linux x64/arm64):
    /// no thread-pool item, task or buffer per received message.</summary>
    Epoll,

    /// <summary>WsChat.Net's own <c>WebSocketClient</c> (System.Net.Sockets async receives; the default elsewhere).</summary>
    WsChat,

    /// <summary>System.Net.WebSockets over a socket the loadgen connects itself: a cross-check.</summary>
    Bcl,
}

/// <summary>A ramp: start at <see cref="Start"/> messages/s, add <see cref="Step"/> every <see cref="StepSeconds"/>.</summary>
internal readonly record struct RampOptions(double Start, double Step, double StepSeconds);

/// <summary>Everything the command line sets; see <see cref="OptionsParser.Usage"/> for the meaning of each.</summary>
internal sealed record LoadOptions
{
    public ScenarioKind Scenario { get; init; } = ScenarioKind.Fanout;
    public Uri Url { get; init; } = new("ws://127.0.0.1:8080/ws");
    /// <summary>Every URL given (the first is <see cref="Url"/>): connection i goes to the one at i mod count,
    /// so the connections of one run spread evenly over the nodes of a cluster.</summary>
    public IReadOnlyList<Uri> Urls { get; init; } = [];
    public string? Secret { get; init; }
    public bool Anonymous { get; init; }
    public int Connections { get; init; } = 100;
    public int Rooms { get; init; } = 10;

    /// <summary>Connections that send (fanout: spread over the rooms; dm and history: every connection when 0).</summary>
    public int Senders { get; init; }

    /// <summary>Messages (fanout, dm), cycles (churn) or history requests per second, in total.</summary>
    public double Rate { get; init; } = 100;
    public RampOptions? Ramp { get; init; }
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Latency p99 that ends a ramp (issue 5: 50 ms).</summary>
    public TimeSpan RampP99Limit { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);
    public int MessageSize { get; init; } = 64;
    public IReadOnlyList<IPAddress> SourceAddresses { get; init; } = [];
    public int Workers { get; init; } = 1;
    public int? ServerPid { get; init; }
    public int ConnectConcurrency { get; init; } = 64;
    public string? JsonOut { get; init; }
    public string? PlotOut { get; init; }
    public string? Label { get; init; }
    public ClientKind Client { get; init; } = WsChat.LoadGen.Connections.Epoll.ReceiveLoop.IsSupported ? ClientKind.Epoll : ClientKind.WsChat;

    /// <summary>Receive loops (threads) of <see cref="ClientKind.Epoll"/> per process.</summary>
    public int ReceiveThreads { get; init; } = 1;
    public bool Quiet { get; init; }

    /// <summary>Set on a child process spawned by <c>--workers</c>: its index and the total.</summary>
    public int WorkerIndex { get; init; } = -1;
    public int WorkerCount { get; init; } = 1;

    public bool IsWorker => WorkerIndex >= 0;

    /// <summary>Fanout senders: by default one per room.</summary>
    public int EffectiveSenders => Scenario switch
    {
        ScenarioKind.Fanout => Senders > 0 ? Math.Min(Senders, Connections) : Math.Min(Rooms, Connections),
        ScenarioKind.Dm or ScenarioKind.History => Senders > 0 ? Math.Min(Senders, Connections) : Connections,
        _ => 0,
    };
}
