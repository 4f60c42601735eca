using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WsChat.Host.Configuration;

namespace WsChat.Host;

/// <summary>Builds the wschat host: configuration, logging and the server as a hosted service.</summary>
internal static class WsChatHost
{
    /// <summary>The <c>WsChat</c> section from the same sources as the server (for commands), unvalidated.</summary>
    public static WsChatOptions LoadOptions(string[] args)
    {
        HostApplicationBuilder builder = CreateBuilder(args);
        return builder.Configuration.GetSection(WsChatOptions.Section).Get<WsChatOptions>() ?? new WsChatOptions();
    }

    /// <exception cref="InvalidOperationException">The configuration is invalid (e.g. no JWT secret).</exception>
    public static IHost Build(string[] args)
    {
        HostApplicationBuilder builder = CreateBuilder(args);
        WsChatOptions options = builder.Configuration.GetSection(WsChatOptions.Section).Get<WsChatOptions>() ?? new WsChatOptions();
        options.Validate();
        // Before the host starts its threads: glibc fixes the arena limit when the ninth arena is made.
        if (options.Memory.ArenaMax > 0) Memory.Glibc.SetArenaMax(options.Memory.ArenaMax);
        builder.Services.AddSingleton(options);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.DrainTimeout + options.CloseTimeout + TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton<Metrics.OperationsEndpoints>();
        builder.Services.AddSingleton<ServerHostedService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ServerHostedService>());
        if (options.Gc.CheckInterval > TimeSpan.Zero)
        {
            builder.Services.AddHostedService(sp => new Memory.Gen2Compactor(options.Gc.Limit, options.Gc.CheckInterval,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("WsChat.Host.Memory")));
        }
        if (options.Memory.ReclaimCheckInterval > TimeSpan.Zero)
        {
            // Without glibc the trim is a no-op; the quiet collection still applies.
            builder.Services.AddHostedService(sp => new Memory.MemoryReclaimer(options.Memory.ToReclaimPolicy(options.Gc.Limit), options.Memory.ReclaimCheckInterval,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("WsChat.Host.Memory")));
        }
        return builder.Build();
    }

    private static HostApplicationBuilder CreateBuilder(string[] args)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,   // appsettings.json next to wschat.dll, wherever it is run from
        });

        // WSCHAT_PORT=9000 and WSCHAT_ECHO__ENABLED=true land in the "WsChat" section; the command line
        // (--WsChat:Port=9000) is added again after them so that it still wins.
        ((IConfigurationBuilder)builder.Configuration).Add(new WsChatEnvironmentSource());
        builder.Configuration.AddCommandLine(args);
        return builder;
    }
}
