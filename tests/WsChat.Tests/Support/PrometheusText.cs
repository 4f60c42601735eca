using System.Globalization;
using System.Text;

namespace WsChat.Tests.Support;

/// <summary>One sample line of the Prometheus text exposition format.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value, long? Timestamp);

/// <summary>One metric family: its TYPE, HELP and samples (for a histogram: its _bucket, _sum, _count lines).</summary>
internal sealed class PrometheusFamily(string name)
{
    public string Name { get; } = name;

    public string Type { get; set; } = "untyped";

    public string? Help { get; set; }

    public List<PrometheusSample> Samples { get; } = [];
}

/// <summary>
/// A strict parser of the Prometheus text exposition format, version 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/), written for the tests so that
/// <c>/metrics</c> is checked against the format, not against a regex per metric. It rejects what
/// Prometheus rejects, and a few things it tolerates but no exporter of ours should produce:
/// a sample line that does not parse, a bad metric or label name, a bad escape, a duplicate label,
/// a TYPE or HELP given twice or a TYPE after the family's samples, a family whose samples are not
/// contiguous, a duplicate series, a counter that is negative or NaN, and a histogram without a
/// <c>+Inf</c> bucket, with buckets that are not cumulative, or whose <c>_count</c> differs from
/// its <c>+Inf</c> bucket.
/// </summary>
internal static class PrometheusText
{
    private static readonly string[] s_types = ["counter", "gauge", "histogram", "summary", "untyped"];

    /// <summary>Parses a whole exposition. Throws <see cref="FormatException"/> naming the line on any violation.</summary>
    public static PrometheusExposition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var families = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);     // families whose samples ended
        var series = new HashSet<string>(StringComparer.Ordinal);
        var typed = new HashSet<string>(StringComparer.Ordinal);
        var helped = new HashSet<string>(StringComparer.Ordinal);
        PrometheusFamily? current = null;
        if (text.Length > 0 && !text.EndsWith('\n')) throw new FormatException("The exposition must end with a line feed.");

        string[] lines = text.Split('\n');
        for (int n = 0; n < lines.Length - 1; n++)
        {
            string line = lines[n];
            int lineNumber = n + 1;
            if (line.Contains('\r')) throw Error(lineNumber, "carriage return (lines end with \\n only)");
            if (line.Length == 0) continue;
            if (line[0] == '#')
            {
                ParseComment(line, lineNumber, families, typed, helped, closed, current);
                continue;
            }

            PrometheusSample sample = ParseSample(line, lineNumber);
            string familyName = FamilyOf(sample.Name, families);
            if (current is null || current.Name != familyName)
            {
                if (current is not null) closed.Add(current.Name);
                if (closed.Contains(familyName)) throw Error(lineNumber, $"samples of '{familyName}' are not contiguous");
                if (!families.TryGetValue(familyName, out current))
                {
                    current = new PrometheusFamily(familyName);
                    families.Add(familyName, current);
                }
            }

            CheckSampleAgainstType(current, sample, lineNumber);
            string key = SeriesKey(sample);
            if (!series.Add(key)) throw Error(lineNumber, $"duplicate series {key}");
            current.Samples.Add(sample);
        }

        foreach (PrometheusFamily family in families.Values)
            if (family.Type == "histogram") CheckHistogram(family);
        return new PrometheusExposition(families);
    }

    private static void ParseComment(string line, int lineNumber, Dictionary<string, PrometheusFamily> families,
        HashSet<string> typed, HashSet<string> helped, HashSet<string> closed, PrometheusFamily? current)
    {
        // "# HELP name text" and "# TYPE name type"; any other "#" line is a comment.
        string[] parts = line.Split(' ', 4);
        if (parts.Length < 3 || parts[0] != "#" || (parts[1] != "HELP" && parts[1] != "TYPE")) return;
        string name = parts[2];
        if (!IsMetricName(name)) throw Error(lineNumber, $"bad metric name '{name}'");
        if (!families.TryGetValue(name, out PrometheusFamily? family))
        {
            family = new PrometheusFamily(name);
            families.Add(name, family);
        }

        if (parts[1] == "HELP")
        {
            if (!helped.Add(name)) throw Error(lineNumber, $"second HELP for '{name}'");
            family.Help = parts.Length == 4 ? Unescape(parts[3], lineNumber, allowQuote: false) : "";
            return;
        }

        if (parts.Length != 4 || Array.IndexOf(s_types, parts[3]) < 0) throw Error(lineNumber, "TYPE needs one of counter, gauge, histogram, summary, untyped");
        if (!typed.Add(name)) throw Error(lineNumber, $"second TYPE for '{name}'");
        if (family.Samples.Count > 0 || closed.Contains(name) || current?.Name == name && current.Samples.Count > 0)
            throw Error(lineNumber, $"TYPE for '{name}' after its samples");
        family.Type = parts[3];
    }

    private static PrometheusSample ParseSample(string line, int lineNumber)
    {
        int i = 0;
        while (i < line.Length && IsNameChar(line[i], i == 0, colonAllowed: true)) i++;
        string name = line[..i];
        if (name.Length == 0) throw Error(lineNumber, "a sample line must start with a metric name");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i >= line.Length) throw Error(lineNumber, "unterminated label set");
                if (line[i] == '}') { i++; break; }
                int start = i;
                while (i < line.Length && IsNameChar(line[i], i == start, colonAllowed: false)) i++;
                string labelName = line[start..i];
                if (labelName.Length == 0) throw Error(lineNumber, "bad label name");
                if (labelName.StartsWith("__", StringComparison.Ordinal)) throw Error(lineNumber, $"reserved label name '{labelName}'");
                if (i >= line.Length || line[i] != '=') throw Error(lineNumber, "expected '=' after a label name");
                i++;
                if (i >= line.Length || line[i] != '"') throw Error(lineNumber, "a label value must be quoted");
                i++;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length) throw Error(lineNumber, "unterminated label value");
                    char c = line[i++];
                    if (c == '"') break;
                    if (c == '\\')
                    {
                        if (i >= line.Length) throw Error(lineNumber, "dangling escape");
                        char e = line[i++];
                        value.Append(e switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw Error(lineNumber, $"bad escape '\\{e}' in a label value"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!labels.TryAdd(labelName, value.ToString())) throw Error(lineNumber, $"duplicate label '{labelName}'");
                if (i < line.Length && line[i] == ',') { i++; continue; }
                if (i < line.Length && line[i] == '}') { i++; break; }
                throw Error(lineNumber, "expected ',' or '}' after a label value");
            }
        }

        if (i >= line.Length || line[i] != ' ') throw Error(lineNumber, "expected a space before the value");
        string[] rest = line[(i + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2 || rest[0].Length == 0) throw Error(lineNumber, "expected a value and an optional timestamp");
        double number = ParseValue(rest[0], lineNumber);
        long? timestamp = null;
        if (rest.Length == 2)
        {
            if (!long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long ts)) throw Error(lineNumber, "bad timestamp");
            timestamp = ts;
        }

        return new PrometheusSample(name, labels, number, timestamp);
    }

    private static double ParseValue(string token, int lineNumber)
    {
        switch (token)
        {
            case "NaN": return double.NaN;
            case "+Inf": return double.PositiveInfinity;
            case "-Inf": return double.NegativeInfinity;
        }

        // Go's ParseFloat: digits, optional sign, point and exponent; no thousands separators, no spaces.
        foreach (char c in token)
            if (!(char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-')) throw Error(lineNumber, $"bad value '{token}'");
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) throw Error(lineNumber, $"bad value '{token}'");
        return value;
    }

    private static string FamilyOf(string sampleName, Dictionary<string, PrometheusFamily> families)
    {
        foreach (string suffix in (ReadOnlySpan<string>)["_bucket", "_sum", "_count"])
        {
            if (!sampleName.EndsWith(suffix, StringComparison.Ordinal)) continue;
            string baseName = sampleName[..^suffix.Length];
            if (families.TryGetValue(baseName, out PrometheusFamily? f) && (f.Type == "histogram" || (f.Type == "summary" && suffix != "_bucket")))
                return baseName;
        }

        return sampleName;
    }

    private static void CheckSampleAgainstType(PrometheusFamily family, PrometheusSample sample, int lineNumber)
    {
        switch (family.Type)
        {
            case "counter":
                if (sample.Name != family.Name) throw Error(lineNumber, $"counter sample '{sample.Name}' named differently from its family");
                if (double.IsNaN(sample.Value) || sample.Value < 0) throw Error(lineNumber, "a counter must be a non-negative number");
                break;
            case "gauge":
            case "untyped":
                if (sample.Name != family.Name) throw Error(lineNumber, $"sample '{sample.Name}' named differently from its family");
                break;
            case "histogram":
                if (sample.Name == family.Name + "_bucket")
                {
                    if (!sample.Labels.TryGetValue("le", out string? le)) throw Error(lineNumber, "a histogram bucket needs an 'le' label");
                    _ = ParseValue(le, lineNumber);
                }
                else if (sample.Labels.ContainsKey("le"))
                {
                    throw Error(lineNumber, "'le' outside a _bucket sample");
                }

                if (sample.Name != family.Name + "_sum" && (double.IsNaN(sample.Value) || sample.Value < 0))
                    throw Error(lineNumber, "histogram counts must be non-negative");
                break;
            case "summary":
                if (sample.Name == family.Name && !sample.Labels.ContainsKey("quantile")) throw Error(lineNumber, "a summary quantile needs a 'quantile' label");
                break;
        }
    }

    private static void CheckHistogram(PrometheusFamily family)
    {
        // Group by the labels other than 'le'; each group is one histogram series.
        foreach (IGrouping<string, PrometheusSample> group in family.Samples.GroupBy(s => LabelKey(s.Labels, except: "le")))
        {
            var buckets = group.Where(s => s.Name == family.Name + "_bucket")
                .Select(s => (Le: ParseValue(s.Labels["le"], 0), s.Value))
                .ToList();
            PrometheusSample? count = group.FirstOrDefault(s => s.Name == family.Name + "_count");
            PrometheusSample? sum = group.FirstOrDefault(s => s.Name == family.Name + "_sum");
            if (buckets.Count == 0 || count is null || sum is null) throw new FormatException($"histogram '{family.Name}' {group.Key}: needs _bucket, _sum and _count");
            for (int i = 1; i < buckets.Count; i++)
            {
                if (buckets[i].Le <= buckets[i - 1].Le) throw new FormatException($"histogram '{family.Name}': 'le' not increasing");
                if (buckets[i].Value < buckets[i - 1].Value) throw new FormatException($"histogram '{family.Name}': buckets not cumulative");
            }

            if (!double.IsPositiveInfinity(buckets[^1].Le)) throw new FormatException($"histogram '{family.Name}': no +Inf bucket");
            if (buckets[^1].Value != count.Value) throw new FormatException($"histogram '{family.Name}': _count differs from the +Inf bucket");
        }
    }

    private static string Unescape(string text, int lineNumber, bool allowQuote)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\\') { sb.Append(c); continue; }
            if (++i >= text.Length) throw Error(lineNumber, "dangling escape");
            sb.Append(text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when allowQuote => '"',
                _ => throw Error(lineNumber, $"bad escape '\\{text[i]}'"),
            });
        }

        return sb.ToString();
    }

    private static bool IsMetricName(string name)
    {
        if (name.Length == 0) return false;
        for (int i = 0; i < name.Length; i++)
            if (!IsNameChar(name[i], i == 0, colonAllowed: true)) return false;
        return true;
    }

    private static bool IsNameChar(char c, bool first, bool colonAllowed) =>
        char.IsAsciiLetter(c) || c == '_' || (colonAllowed && c == ':') || (!first && char.IsAsciiDigit(c));

    private static string SeriesKey(PrometheusSample sample) => sample.Name + LabelKey(sample.Labels, except: null);

    private static string LabelKey(IReadOnlyDictionary<string, string> labels, string? except) =>
        "{" + string.Join(",", labels.Where(l => l.Key != except).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    private static FormatException Error(int line, string message) => new($"line {line}: {message}");
}

/// <summary>A parsed exposition: families by name, with lookups for the tests.</summary>
internal sealed class PrometheusExposition(Dictionary<string, PrometheusFamily> families)
{
    public IReadOnlyDictionary<string, PrometheusFamily> Families { get; } = families;

    /// <summary>The value of the one sample named <paramref name="name"/> whose labels include all of
    /// <paramref name="labels"/> ("key=value" pairs). Throws if there is none or more than one.</summary>
    public double Value(string name, params string[] labels)
    {
        PrometheusSample[] matches = Find(name, labels);
        if (matches.Length != 1)
            throw new AssertionException($"expected one sample {name}{{{string.Join(",", labels)}}}, found {matches.Length}");
        return matches[0].Value;
    }

    /// <summary>Like <see cref="Value"/> but 0 when the series is absent (prometheus-net publishes a labelled child only once touched).</summary>
    public double ValueOrZero(string name, params string[] labels)
    {
        PrometheusSample[] matches = Find(name, labels);
        return matches.Length switch
        {
            0 => 0,
            1 => matches[0].Value,
            _ => throw new AssertionException($"more than one sample {name}{{{string.Join(",", labels)}}}"),
        };
    }

    /// <summary>The family's declared TYPE.</summary>
    public string TypeOf(string family) =>
        Families.TryGetValue(family, out PrometheusFamily? f) ? f.Type : throw new AssertionException($"no family '{family}'");

    private PrometheusSample[] Find(string name, string[] labels)
    {
        var wanted = labels.Select(l => l.Split('=', 2)).ToArray();
        return Families.Values.SelectMany(f => f.Samples)
            .Where(s => s.Name == name && wanted.All(w => s.Labels.TryGetValue(w[0], out string? v) && v == w[1]))
            .ToArray();
    }
}
