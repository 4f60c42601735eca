using Microsoft.Extensions.Configuration;
using WsChat.Core.Backplane;

namespace WsChat.Host.Backplane;

/// <summary>
/// The <c>WsChat:Redis</c> configuration section. Scale-out is on when <c>ConnectionString</c> is set
/// (docs/operations.md "Several nodes"); every node of a cluster must use the same Redis, the same
/// <c>KeyPrefix</c> and the same PostgreSQL database.
/// </summary>
internal sealed class RedisOptions
{
    public const string Section = "WsChat:Redis";

    /// <summary><c>ConnectionString</c>: StackExchange.Redis syntax (<c>host:port,password=…</c>). Unset: one node.</summary>
    public string? ConnectionString { get; init; }

    /// <summary><c>KeyPrefix</c> of every key and channel. Default <c>wschat:</c>; several clusters may share one Redis
    /// with different prefixes.</summary>
    public string KeyPrefix { get; init; } = "wschat:";

    /// <summary><c>SeedMargin</c>: when Redis has no sequence for a conversation that has stored messages (Redis lost
    /// its data), ids restart this far above the newest stored id, so that ids taken before the loss and still on
    /// their way to storage are never given twice. Default 1000.</summary>
    public long SeedMargin { get; init; } = 1000;

    /// <summary><c>NodeTtlMs</c>: a node refreshes its liveness key every third of this; a node whose key expired is
    /// removed by the others and its users go offline. Default 15 s.</summary>
    public TimeSpan NodeTtl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary><c>GapFillDelayMs</c>, <c>GapSkipAfterMs</c>: see <see cref="BackplaneOptions"/> (300, 6000).</summary>
    public BackplaneOptions Gaps { get; init; } = new();

    /// <summary>True when a connection string is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>Reads the section; throws <see cref="InvalidOperationException"/> naming a bad value.</summary>
    public static RedisOptions From(IConfiguration configuration)
    {
        IConfigurationSection s = configuration.GetSection(Section);
        var defaults = new BackplaneOptions();
        return new RedisOptions
        {
            ConnectionString = string.IsNullOrWhiteSpace(s["ConnectionString"]) ? null : s["ConnectionString"],
            KeyPrefix = string.IsNullOrEmpty(s["KeyPrefix"]) ? "wschat:" : s["KeyPrefix"]!,
            SeedMargin = Long(s, "SeedMargin", 1000, min: 0),
            NodeTtl = TimeSpan.FromMilliseconds(Long(s, "NodeTtlMs", 15_000, min: 300)),
            Gaps = new BackplaneOptions
            {
                GapFillDelay = TimeSpan.FromMilliseconds(Long(s, "GapFillDelayMs", (long)defaults.GapFillDelay.TotalMilliseconds, min: 1)),
                GapSkipAfter = TimeSpan.FromMilliseconds(Long(s, "GapSkipAfterMs", (long)defaults.GapSkipAfter.TotalMilliseconds, min: 1)),
            },
        };
    }

    private static long Long(IConfigurationSection s, string key, long fallback, long min)
    {
        string? raw = s[key];
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        if (long.TryParse(raw, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long value) && value >= min) return value;
        throw new InvalidOperationException($"{Section}:{key} '{raw}' must be an integer of at least {min}.");
    }
}
