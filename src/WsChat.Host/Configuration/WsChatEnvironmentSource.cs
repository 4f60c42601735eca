using System.Collections;
using Microsoft.Extensions.Configuration;

namespace WsChat.Host.Configuration;

/// <summary>
/// Maps <c>WSCHAT_</c> environment variables into the <c>WsChat</c> section: <c>WSCHAT_PORT</c> →
/// <c>WsChat:Port</c>, <c>WSCHAT_ECHO__ENABLED</c> → <c>WsChat:Echo:Enabled</c> (a double underscore nests, as in
/// every .NET environment provider).
/// </summary>
internal sealed class WsChatEnvironmentSource : IConfigurationSource
{
    private const string Prefix = "WSCHAT_";

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider();

    private sealed class Provider : ConfigurationProvider
    {
        public override void Load()
        {
            var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                string name = (string)entry.Key;
                // WSCHAT_TEST_* belong to the test suite, not to the server.
                if (!name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || name.StartsWith("WSCHAT_TEST_", StringComparison.OrdinalIgnoreCase)) continue;
                if (name.Length == Prefix.Length || name[Prefix.Length] == '_') continue;
                data[WsChatOptions.Section + ":" + name[Prefix.Length..].Replace("__", ":", StringComparison.Ordinal)] = (string?)entry.Value;
            }

            Data = data;
        }
    }
}
