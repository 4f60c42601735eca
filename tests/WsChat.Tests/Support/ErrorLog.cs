using Microsoft.Extensions.Logging;

namespace WsChat.Tests.Support;

/// <summary>A logger factory that keeps every Error-level entry, so tests can assert the server logged no failure.</summary>
internal sealed class ErrorLog : ILoggerFactory, ILoggerProvider, ILogger
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors) return [.. _errors];
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel < LogLevel.Error) return;
        lock (_errors) _errors.Add(formatter(state, exception) + " " + exception);
    }

    public void Dispose()
    {
    }
}
