// An idiomatic ASP.NET Core WebSocket chat: the Kestrel baseline that tools/loadgen compares wschat with.
// It speaks the subset of PROTOCOL.md the loadgen uses (see README.md) and is written the way a competent
// .NET developer would write it: WebSocket middleware, JwtBearer, ConcurrentDictionary, System.Text.Json,
// and one bounded Channel plus a writer task per connection. Not tuned for this benchmark on purpose.
using System.Net.WebSockets;
using System.Text;
using KestrelChat;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

// Content root at the binaries, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var chatOptions = builder.Configuration.GetSection("Chat").Get<ChatOptions>() ?? new ChatOptions();
builder.Services.AddSingleton(chatOptions);
builder.Services.AddSingleton<ChatHub>();

if (!chatOptions.AllowAnonymous && Encoding.UTF8.GetByteCount(chatOptions.JwtSecret) < 32)
{
    Console.Error.WriteLine("Chat:JwtSecret must be at least 32 bytes (or set Chat:AllowAnonymous=true).");
    return 2;
}

builder.Services
    .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
    .AddJwtBearer(o =>
    {
        o.MapInboundClaims = false;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(chatOptions.JwtSecret.PadRight(32))),
            NameClaimType = "name",
        };
        // Browsers cannot set headers on a WebSocket upgrade, so the token also comes as ?token=.
        o.Events = new JwtBearerEvents
        {
            OnMessageReceived = ctx =>
            {
                if (ctx.Request.Query.TryGetValue("token", out var token)) ctx.Token = token;
                return Task.CompletedTask;
            },
        };
    });
builder.Services.AddAuthorization();

var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(chatOptions.HeartbeatMs) });
app.UseAuthentication();

app.MapGet("/healthz", () => "ok");
app.Map("/ws", async (HttpContext context, ChatHub hub) =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
        return;
    }

    string? userId, username;
    if (chatOptions.AllowAnonymous && context.Request.Query.TryGetValue("user", out var user) && !string.IsNullOrEmpty(user))
    {
        userId = username = user.ToString();
    }
    else if (context.User.Identity?.IsAuthenticated == true)
    {
        userId = context.User.FindFirst("sub")?.Value;
        username = context.User.FindFirst("name")?.Value ?? userId;
    }
    else
    {
        userId = username = null;
    }

    if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(username))
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return;
    }

    using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
    var connection = new ChatConnection(hub.NextSessionId(), userId, username, socket, chatOptions.OutboundQueue);
    await hub.RunAsync(connection, context.RequestAborted);
});

app.Run();
return 0;
