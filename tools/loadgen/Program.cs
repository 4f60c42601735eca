namespace WsChat.LoadGen;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("loadgen: not built yet (see issue 5)");
        return args.Length == 0 ? 2 : 2;
    }
}
