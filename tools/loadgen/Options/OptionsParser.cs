using System.Globalization;
using System.Net;

namespace WsChat.LoadGen.Options;

/// <summary>Parses the command line into <see cref="LoadOptions"/>; errors are messages, not exceptions.</summary>
internal static class OptionsParser
{
    public const string Usage = """
        usage: loadgen SCENARIO URL [options]
               loadgen report RESULT.json...     (markdown tables of --json results, one row per server)
          SCENARIO               idle | fanout | churn | dm | history
          URL                    ws://127.0.0.1:8080/ws (loopback only); several, comma-separated, spread the
                                 connections round-robin over the nodes of a cluster (connection i → URL i mod n)
          --secret S             mint HS256 tokens (sub=u<i>, name=u<i>, 1 h) signed with S, sent as ?token=
          --anonymous            connect as ?user=u<i> instead (server in development mode)
          --connections N        connections to hold (default 100)
          --rooms R              rooms; connection i joins room r<i mod R> (default 10)
          --senders S            fanout: sending connections, spread over the rooms (default one per room);
                                 dm/history: connections that send (default all)
          --rate X               messages/s (fanout, dm), cycles/s (churn), requests/s (history), in total
          --ramp A:B:T           fanout/dm: start at A/s, add B/s every T s until p99 passes --p99-limit
          --p99-limit MS         ramp stop (default 50)
          --duration S           measured time (default 20), after --warmup S (default 3)
          --message-size B       text bytes per message, at least 24 (default 64)
          --source-addresses L   bind client sockets to these 127.x addresses: a list (127.0.0.1,127.0.0.2)
                                 or a range (127.0.0.1-127.0.0.20), to pass one address's ~28,000 ports
          --workers W            spread connections over W child processes (each under the open-files limit)
          --connect-concurrency C  handshakes in flight per process (default 64)
          --server-pid P         sample the server's RSS and CPU time from /proc/P
          --client epoll|wschat|bcl  WebSocket client: WsChat.Net's framer on the loadgen's own epoll loops
                                 (default on Linux), WsChat.Net's WebSocketClient, or System.Net.WebSockets
          --receive-threads N    epoll client: receive loops (threads) per process (default 1)
          --json FILE            write the result as JSON
          --plot FILE.png        draw the latency distribution (ScottPlot)
          --label NAME           name of the server under test in the result (e.g. wschat, kestrel)
          --quiet                no progress line
        """;

    public static bool TryParse(string[] args, out LoadOptions options, out string? error)
    {
        options = new LoadOptions();
        error = null;
        var positional = new List<string>();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string arg = args[i];
                if (!arg.StartsWith("--", StringComparison.Ordinal))
                {
                    positional.Add(arg);
                    continue;
                }

                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{arg} needs a value");
                options = arg switch
                {
                    "--secret" => options with { Secret = Next() },
                    "--anonymous" => options with { Anonymous = true },
                    "--connections" => options with { Connections = PositiveInt(arg, Next()) },
                    "--rooms" => options with { Rooms = PositiveInt(arg, Next()) },
                    "--senders" => options with { Senders = PositiveInt(arg, Next()) },
                    "--rate" => options with { Rate = PositiveDouble(arg, Next()) },
                    "--ramp" => options with { Ramp = ParseRamp(Next()) },
                    "--p99-limit" => options with { RampP99Limit = TimeSpan.FromMilliseconds(PositiveDouble(arg, Next())) },
                    "--duration" => options with { Duration = TimeSpan.FromSeconds(PositiveDouble(arg, Next())) },
                    "--warmup" => options with { Warmup = TimeSpan.FromSeconds(NonNegativeDouble(arg, Next())) },
                    "--message-size" => options with { MessageSize = PositiveInt(arg, Next()) },
                    "--source-addresses" => options with { SourceAddresses = ParseAddresses(Next()) },
                    "--workers" => options with { Workers = PositiveInt(arg, Next()) },
                    "--connect-concurrency" => options with { ConnectConcurrency = PositiveInt(arg, Next()) },
                    "--server-pid" => options with { ServerPid = PositiveInt(arg, Next()) },
                    "--client" => options with { Client = ParseClient(Next()) },
                    "--receive-threads" => options with { ReceiveThreads = PositiveInt(arg, Next()) },
                    "--json" => options with { JsonOut = Next() },
                    "--plot" => options with { PlotOut = Next() },
                    "--label" => options with { Label = Next() },
                    "--quiet" => options with { Quiet = true },
                    "--worker-index" => options with { WorkerIndex = NonNegativeInt(arg, Next()) },
                    "--worker-count" => options with { WorkerCount = PositiveInt(arg, Next()) },
                    _ => throw new FormatException($"unknown option {arg}"),
                };
            }

            if (positional.Count != 2) throw new FormatException("expected a scenario and a URL");
            if (!Enum.TryParse(positional[0], ignoreCase: true, out ScenarioKind scenario) || int.TryParse(positional[0], out _))
            {
                throw new FormatException($"unknown scenario '{positional[0]}'");
            }

            Uri[] urls = [.. positional[1].Split(',', StringSplitOptions.TrimEntries).Select(ParseUrl)];
            options = options with { Scenario = scenario, Url = urls[0], Urls = urls };
            Validate(options);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            error = ex.Message;
            return false;
        }
    }

    private static void Validate(LoadOptions o)
    {
        if (o.Secret is null == !o.Anonymous) throw new FormatException("give exactly one of --secret and --anonymous");
        if (o.Secret is not null && System.Text.Encoding.UTF8.GetByteCount(o.Secret) < 32) throw new FormatException("--secret must be at least 32 bytes (PROTOCOL.md §5)");
        if (o.MessageSize < 24) throw new FormatException("--message-size must be at least 24 (the timestamp and sender take 24)");
        if (o.Scenario == ScenarioKind.Dm && o.Connections % 2 != 0) throw new FormatException("dm pairs connections: --connections must be even");
        if (o.Ramp is not null && o.Scenario is not (ScenarioKind.Fanout or ScenarioKind.Dm)) throw new FormatException("--ramp applies to fanout and dm");
        if (o.Workers > o.Connections) throw new FormatException("more workers than connections");
    }

    private static ClientKind ParseClient(string text)
    {
        if (!Enum.TryParse(text, ignoreCase: true, out ClientKind client) || int.TryParse(text, out _)) throw new FormatException($"unknown client '{text}'");
        if (client == ClientKind.Epoll && !Connections.Epoll.ReceiveLoop.IsSupported) throw new FormatException("--client epoll needs Linux on x64 or arm64");
        return client;
    }

    private static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? url) || url.Scheme is not ("ws" or "http"))
        {
            throw new FormatException($"'{text}' is not a ws:// URL");
        }

        // The workplace allows load only on loopback (127.0.0.0/8, ::1): refuse anything else.
        if (!url.IsLoopback && !(IPAddress.TryParse(url.Host, out IPAddress? ip) && IPAddress.IsLoopback(ip)))
        {
            throw new FormatException($"{url.Host} is not a loopback address; loadgen only targets 127.0.0.0/8 or ::1");
        }

        return url;
    }

    internal static RampOptions ParseRamp(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length != 3) throw new FormatException("--ramp is START:STEP:SECONDS, e.g. 200:200:5");
        return new RampOptions(PositiveDouble("--ramp", parts[0]), PositiveDouble("--ramp", parts[1]), PositiveDouble("--ramp", parts[2]));
    }

    internal static IReadOnlyList<IPAddress> ParseAddresses(string text)
    {
        var addresses = new List<IPAddress>();
        foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int dash = item.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                addresses.Add(Loopback4(item));
                continue;
            }

            byte[] first = Loopback4(item[..dash]).GetAddressBytes(), last = Loopback4(item[(dash + 1)..]).GetAddressBytes();
            uint from = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(first);
            uint to = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(last);
            if (to < from || to - from >= 65536) throw new FormatException($"bad address range {item}");
            for (uint a = from; a <= to; a++) addresses.Add(new IPAddress([(byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a]));
        }

        return addresses;
    }

    private static IPAddress Loopback4(string text)
    {
        if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !IPAddress.IsLoopback(address))
        {
            throw new FormatException($"'{text}' is not an IPv4 loopback address (127.0.0.0/8)");
        }

        return address;
    }

    private static int PositiveInt(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new FormatException($"{name}: '{text}' is not a positive integer");

    private static int NonNegativeInt(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0 ? v : throw new FormatException($"{name}: '{text}' is not a non-negative integer");

    private static double PositiveDouble(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 ? v : throw new FormatException($"{name}: '{text}' is not a positive number");

    private static double NonNegativeDouble(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 ? v : throw new FormatException($"{name}: '{text}' is not a non-negative number");
}
