using WsChat.Net.Http;

namespace WsChat.Net.Transport;

/// <summary>
/// Reusable <see cref="HttpRequestHead"/> objects: a connection holds one only while its handshake is parsed and
/// answered, so a few dozen serve any number of connections and parsing allocates nothing.
/// </summary>
internal static class HeadPool
{
    // Enough for a burst of concurrent handshakes on a few cores; more are created and dropped.
    private const int MaxPooled = 64;
    private static readonly HttpRequestHead[] s_items = new HttpRequestHead[MaxPooled];
    private static readonly Lock s_lock = new();
    private static int s_count;

    public static HttpRequestHead Rent()
    {
        lock (s_lock)
        {
            if (s_count > 0)
            {
                HttpRequestHead head = s_items[--s_count];
                s_items[s_count] = null!;
                return head;
            }
        }

        return new HttpRequestHead();
    }

    public static void Return(HttpRequestHead head)
    {
        head.Dispose();   // gives its pooled buffers back: an idle pooled head holds no bytes
        lock (s_lock)
        {
            if (s_count < MaxPooled) s_items[s_count++] = head;
        }
    }
}
