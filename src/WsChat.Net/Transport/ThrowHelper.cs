using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace WsChat.Net.Transport;

internal static class ThrowHelper
{
    [DoesNotReturn, StackTraceHidden]
    public static void ThrowFrameNotSealed(string paramName) => throw new ArgumentException("Seal the frame before sending it.", paramName);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowCloseCodeNotSendable(string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, "Close codes sent on the wire are 1000-1003, 1007-1014 or 3000-4999 (RFC 6455 §7.4).");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowStarted() => throw new InvalidOperationException("Map endpoints before Start().");
}
