using System.Text.Json.Serialization;
using WsChat.LoadGen.Workers;

namespace WsChat.LoadGen.Reporting;

/// <summary>Source-generated JSON for the result file and the worker protocol.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(RunResult))]
[JsonSerializable(typeof(SetupReport))]
[JsonSerializable(typeof(IntervalReport))]
[JsonSerializable(typeof(FinishReport))]
internal sealed partial class LoadGenJson : JsonSerializerContext;
