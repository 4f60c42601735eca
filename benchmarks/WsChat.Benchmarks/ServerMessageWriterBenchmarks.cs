using System.Buffers;
using BenchmarkDotNet.Attributes;
using WsChat.Core.Protocol;
using WsChat.Net.Buffers;

namespace WsChat.Benchmarks;

/// <summary>
/// Writing each PROTOCOL.md §4 server message with <see cref="ServerMessageWriter"/> into a reused buffer, and
/// the broadcast path as it runs: rent a <see cref="SharedFrame"/>, write, seal, release.
/// </summary>
[MemoryDiagnoser]
public class ServerMessageWriterBenchmarks
{
    private static readonly byte[] Text1KiB = System.Text.Encoding.UTF8.GetBytes(new string('x', 1024));
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);

    [Benchmark(Baseline = true)]
    public int WriteMessage()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.WriteMessage(_output, "general"u8, 42, "alice"u8, "u1"u8, "Hello!"u8, 1764087000000);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteMessageEscaped()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.WriteMessage(_output, "general"u8, 42, "alice"u8, "u1"u8, "café \"quoted\"\nline two 😀"u8, 1764087000000);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteMessage1KiB()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.WriteMessage(_output, "general"u8, 42, "alice"u8, "u1"u8, Text1KiB, 1764087000000);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteMessageIntoSharedFrame()
    {
        SharedFrame frame = SharedFrame.Rent();
        ServerMessageWriter.WriteMessage(frame, "general"u8, 42, "alice"u8, "u1"u8, "Hello!"u8, 1764087000000);
        frame.Seal();
        int length = frame.Bytes.Length;
        frame.Release();
        return length;
    }

    [Benchmark]
    public int WriteWelcome()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.WriteWelcome(_output, "u1"u8, "alice"u8, "c7"u8, 30000);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteJoined10Users()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.JoinedBuilder joined = ServerMessageWriter.BeginJoined(_output, "general"u8);
        for (int i = 0; i < 10; i++) joined.AddUser("u1"u8, "alice"u8);
        joined.End(41, recovered: false, "1"u8);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteLeft()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.WriteLeft(_output, "general"u8, "3"u8);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteDm()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.WriteDm(_output, 42, "alice"u8, "u1"u8, "u2"u8, "psst"u8, 1764087000000);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WritePresence()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.WritePresence(_output, "general"u8, "alice"u8, "u1"u8, online: true);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteTyping()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.WriteTyping(_output, "general"u8, "alice"u8, "u1"u8, status: true);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteUsers10()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.UsersBuilder users = ServerMessageWriter.BeginUsers(_output, "general"u8);
        for (int i = 0; i < 10; i++) users.AddUser("u1"u8, "alice"u8);
        users.End("5"u8);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteHistory50()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.HistoryBuilder history = ServerMessageWriter.BeginRoomHistory(_output, "general"u8);
        for (int i = 0; i < 50; i++) history.AddMessage(i, "alice"u8, "u1"u8, "Hello!"u8, 1764087000000);
        history.End(hasMore: true, "6"u8);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteAck()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.WriteAck(_output, "2"u8, 42, "general"u8);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteError()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.WriteError(_output, ErrorCode.RateLimited, "rate limit exceeded", "2"u8, 50);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WritePong()
    {
        _output.ResetWrittenCount();
        ServerMessageWriter.WritePong(_output, "7"u8);
        return _output.WrittenCount;
    }
}
