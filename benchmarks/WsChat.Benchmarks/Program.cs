using BenchmarkDotNet.Running;

// Run with: dotnet run -c Release --project benchmarks/WsChat.Benchmarks -- --filter '*'
// Idle connection memory (docs/benchmarks.md): dotnet run -c Release --project benchmarks/WsChat.Benchmarks -- idle-memory
if (args.Length > 0 && args[0] == "idle-memory") return await WsChat.Benchmarks.IdleMemory.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "send-batching") return await WsChat.Benchmarks.SendBatching.RunAsync();
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
