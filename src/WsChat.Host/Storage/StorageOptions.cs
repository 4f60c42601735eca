using System.Globalization;
using Microsoft.Extensions.Configuration;
using WsChat.Core.Storage;

namespace WsChat.Host.Storage;

/// <summary>
/// The <c>WsChat:Storage</c> configuration section (appsettings.json, <c>WSCHAT_Storage__…</c> environment
/// variables, <c>--WsChat:Storage:…</c> arguments). Every key is optional; defaults are documented on each
/// property and in docs/decisions/storage.md.
/// </summary>
internal sealed class StorageOptions
{
    public const string Section = "WsChat:Storage";

    /// <summary><c>Provider</c>: sqlite, postgres, memory or none. Default: postgres when a connection string is
    /// given, else sqlite.</summary>
    public StorageProvider Provider { get; init; } = StorageProvider.Sqlite;

    /// <summary><c>SqlitePath</c>, default <c>data/wschat.db</c>; <c>SqliteSynchronous</c>: normal (default) or full.</summary>
    public SqliteMessageStoreOptions Sqlite { get; init; } = new();

    /// <summary><c>PostgresConnectionString</c>: an Npgsql connection string.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary><c>MaxBatchSize</c> (1024), <c>MaxBatchDelayMs</c> (0), <c>MaxPending</c> (65536),
    /// <c>CommitTimeoutMs</c> (5000), <c>RetryDelayMs</c> (100), <c>MaxRetryDelayMs</c> (2000).</summary>
    public MessageBatcherOptions Batching { get; init; } = new();

    /// <summary>How long the server keeps trying to reach storage at start (<c>StartTimeoutMs</c>); the chat's
    /// default (<see cref="WsChat.Core.ChatServerOptions.StorageStartTimeout"/>, 60 s) unless configured.</summary>
    public TimeSpan StartTimeout { get; init; } = new WsChat.Core.ChatServerOptions().StorageStartTimeout;

    /// <summary>Reads the section; throws <see cref="InvalidOperationException"/> naming the key of a bad value.</summary>
    public static StorageOptions From(IConfiguration configuration)
    {
        IConfigurationSection s = configuration.GetSection(Section);
        string? connectionString = Blank(s["PostgresConnectionString"]);
        string? provider = Blank(s["Provider"]);
        var defaults = new MessageBatcherOptions();
        var sqliteDefaults = new SqliteMessageStoreOptions();
        var options = new StorageOptions
        {
            Provider = provider is null
                ? (connectionString is null ? StorageProvider.Sqlite : StorageProvider.Postgres)
                : Enum.TryParse(provider, ignoreCase: true, out StorageProvider p) && Enum.IsDefined(p) ? p : throw Bad(s, "Provider", provider, "sqlite, postgres, memory or none"),
            PostgresConnectionString = connectionString,
            StartTimeout = Milliseconds(s, "StartTimeoutMs", new StorageOptions().StartTimeout),
            Sqlite = new SqliteMessageStoreOptions
            {
                Path = Blank(s["SqlitePath"]) ?? sqliteDefaults.Path,
                Synchronous = Blank(s["SqliteSynchronous"]) is { } sync
                    ? Enum.TryParse(sync, ignoreCase: true, out SqliteSynchronous v) && Enum.IsDefined(v) ? v : throw Bad(s, "SqliteSynchronous", sync, "normal or full")
                    : sqliteDefaults.Synchronous,
            },
            Batching = new MessageBatcherOptions
            {
                MaxBatchSize = Int(s, "MaxBatchSize", defaults.MaxBatchSize),
                MaxBatchDelay = Milliseconds(s, "MaxBatchDelayMs", defaults.MaxBatchDelay),
                MaxPending = Int(s, "MaxPending", defaults.MaxPending),
                CommitTimeout = Milliseconds(s, "CommitTimeoutMs", defaults.CommitTimeout),
                RetryDelay = Milliseconds(s, "RetryDelayMs", defaults.RetryDelay),
                MaxRetryDelay = Milliseconds(s, "MaxRetryDelayMs", defaults.MaxRetryDelay),
            },
        };
        if (options.Provider == StorageProvider.Postgres && connectionString is null)
        {
            throw new InvalidOperationException($"{Section}:Provider is postgres but {Section}:PostgresConnectionString is not set.");
        }

        try
        {
            options.Batching.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // The options name durations as TimeSpans; the configuration keys are in milliseconds.
            string key = ex.ParamName is "MaxBatchDelay" or "CommitTimeout" or "RetryDelay" or "MaxRetryDelay" ? ex.ParamName + "Ms" : ex.ParamName ?? "";
            throw new InvalidOperationException($"{Section}:{key} is out of range: {ex.Message}", ex);
        }

        return options;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static int Int(IConfigurationSection s, string key, int fallback) =>
        Blank(s[key]) is not { } text ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
        : throw Bad(s, key, text, "an integer");

    private static TimeSpan Milliseconds(IConfigurationSection s, string key, TimeSpan fallback) =>
        Blank(s[key]) is not { } text ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int ms) ? TimeSpan.FromMilliseconds(ms)
        : throw Bad(s, key, text, "a number of milliseconds");

    private static InvalidOperationException Bad(IConfigurationSection s, string key, string value, string expected) =>
        new($"{s.Path}:{key} is '{value}'; expected {expected}.");
}
