using System.Collections;
using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataExchange.Domain;
using DataExchange.Domain.Approvals;
using DataExchange.Domain.Common;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Trades;
using DataExchange.Server.Configuration;
using DataExchange.Server.Hosting;
using Marten;

namespace DataExchange.Server.Tests.Events;

/// <summary>
/// The event catalogue pins what is stored: every event type under its catalogued name, in the shape of its golden JSON
/// file (Events/Golden/&lt;name&gt;.json), which both the server (Marten) and dx read back to the same event. A renamed record, property or enum member fails here before it can change
/// stored events, ledger leaves or receipts. DX_UPDATE_GOLDEN=1 rewrites the files (then review the diff: a changed
/// file is a changed storage format).
/// </summary>
public class EventCatalogueSpecs
{
    private static readonly StoreOptions Marten = MartenSetup.Configure(new ServerSettings
    {
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        ConnectionString = "Host=unused",
        DataDirectory = Path.GetTempPath(),
    });

    public static TheoryData<string> Names() => [.. EventCatalogue.All.Select(e => e.Name)];

    [Fact]
    public void Every_event_the_domain_applies_is_catalogued_once_and_nothing_else_is()
    {
        Type[] applied =
        [
            .. ParticipantEvolution.EventTypes, .. ListingEvolution.EventTypes, .. ExportApproval.EventTypes, .. Trade.EventTypes,
            typeof(ExportVolumeRecorded),
        ];
        Assert.Equal(applied.Select(t => t.FullName).Order(), EventCatalogue.All.Select(e => e.Type.FullName).Order());
        Assert.Equal(EventCatalogue.All.Count, EventCatalogue.All.Select(e => e.Name).Distinct().Count());
        Assert.All(EventCatalogue.All, e => Assert.Matches("^[a-z]+(_[a-z]+)*$", e.Name));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Marten_stores_each_event_under_its_catalogued_name(string name)
    {
        var type = EventCatalogue.TypeNamed(name)!;
        Assert.Equal(name, ((global::Marten.Events.EventGraph)Marten.Events).BuildEvent(Samples.Of(type)).EventTypeName);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_event_is_stored_in_the_shape_of_its_golden_file_and_reads_back_equal(string name)
    {
        var type = EventCatalogue.TypeNamed(name)!;
        var sample = Samples.Of(type);
        var json = Marten.Serializer().ToJson(sample);
        var file = Path.Combine(GoldenDirectory, name + ".json");
        var pretty = JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        if (Environment.GetEnvironmentVariable("DX_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(file, pretty);
        }

        Assert.True(File.Exists(file), $"{file} is missing: a new event type needs its golden file (DX_UPDATE_GOLDEN=1)");
        var golden = File.ReadAllText(file);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(golden), JsonNode.Parse(json)),
            $"{name} is no longer stored as {file} says.\nnow:\n{pretty}");

        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(golden));
        var read = Marten.Serializer().FromJson(type, stream);
        Assert.Equal(json, Marten.Serializer().ToJson(read));
        // dx replays stored payloads with its own options: it must read the same event.
        var readByDx = JsonSerializer.Deserialize(golden, type, DataExchange.Cli.Commands.LedgerReplay.MartenJson);
        Assert.Equal(json, Marten.Serializer().ToJson(readByDx!));
    }

    [Fact]
    public void No_golden_file_is_left_without_its_event()
    {
        var files = Directory.GetFiles(GoldenDirectory, "*.json").Select(Path.GetFileNameWithoutExtension).Order();
        Assert.Equal(EventCatalogue.All.Select(e => e.Name).Order(), files);
    }

    public static TheoryData<string> ShapesBeforeCodes() =>
        [.. Directory.GetFiles(Path.Combine(GoldenDirectory, "before-codes"), "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).Order()];

    /// <summary>
    /// Events stored before places became codes and approvals gained their scope (Golden/before-codes, the shapes of
    /// that release) still read, by the server and by dx alike, with the fields added since at their defaults.
    /// </summary>
    [Theory]
    [MemberData(nameof(ShapesBeforeCodes))]
    public void An_event_stored_before_the_additive_fields_still_reads_the_same_for_server_and_dx(string name)
    {
        var type = EventCatalogue.TypeNamed(name)!;
        var old = File.ReadAllText(Path.Combine(GoldenDirectory, "before-codes", name + ".json"));
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(old));
        var read = Marten.Serializer().FromJson(type, stream);
        var readByDx = JsonSerializer.Deserialize(old, type, DataExchange.Cli.Commands.LedgerReplay.MartenJson)!;
        Assert.Equal(Marten.Serializer().ToJson(read), Marten.Serializer().ToJson(readByDx));

        // Every value the old file holds is still there, under the same name.
        var now = JsonNode.Parse(Marten.Serializer().ToJson(read))!;
        AssertContains(JsonNode.Parse(old)!, now, name);
    }

    private static void AssertContains(JsonNode old, JsonNode now, string path)
    {
        switch (old)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    var child = now.AsObject()[key];
                    Assert.True(child is not null || value is null, $"{path}.{key} is lost on reading");
                    if (value is not null) AssertContains(value, child!, $"{path}.{key}");
                }
                break;
            case JsonArray a:
                Assert.Equal(a.Count, now.AsArray().Count);
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is not null) AssertContains(a[i]!, now.AsArray()[i]!, $"{path}[{i}]");
                }
                break;
            default:
                Assert.True(JsonNode.DeepEquals(old, now), $"{path}: stored {old.ToJsonString()}, read back {now.ToJsonString()}");
                break;
        }
    }

    private static string GoldenDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DataExchange.sln")))
                {
                    return Path.Combine(dir.FullName, "tests", "DataExchange.Server.Tests", "Events", "Golden");
                }
            }

            throw new InvalidOperationException("DataExchange.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>
    /// A deterministic instance of any event record: every constructor parameter filled from its type and position, every
    /// list with one element, every enum with its last member, so that each field shows in the golden file.
    /// </summary>
    private static class Samples
    {
        public static object Of(Type type)
        {
            var counter = 0;
            return Make(type, "", ref counter);
        }

        private static object Make(Type type, string name, ref int counter)
        {
            counter++;
            var underlying = Nullable.GetUnderlyingType(type);
            if (underlying is not null)
            {
                return Make(underlying, name, ref counter);
            }

            if (type == typeof(string))
            {
                return name.Contains("Currency", StringComparison.OrdinalIgnoreCase) ? "CNY" : $"{name} {counter}";
            }

            if (type == typeof(Guid))
            {
                return new Guid($"0190a1b2-0000-7000-8000-{counter:D12}");
            }

            if (type == typeof(DateTimeOffset))
            {
                return new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddMinutes(counter);
            }

            if (type == typeof(DateOnly))
            {
                return new DateOnly(2026, 3, 4).AddDays(counter);
            }

            if (type == typeof(bool))
            {
                return true;
            }

            if (type.IsEnum)
            {
                return Enum.GetValues(type).Cast<object>().Last();
            }

            if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(decimal) || type == typeof(double))
            {
                return Convert.ChangeType(1000 + counter, type, System.Globalization.CultureInfo.InvariantCulture);
            }

            if (type == typeof(SealedText))
            {
                return new SealedText($"sha256:{counter:D64}", $"salt{counter}", $"{name} {counter}");
            }

            if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
                && (definition == typeof(IReadOnlyDictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(Dictionary<,>)))
            {
                var (key, value) = (type.GetGenericArguments()[0], type.GetGenericArguments()[1]);
                var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(key, value))!;
                dictionary.Add(Make(key, name + " key", ref counter), Make(value, name, ref counter));
                return dictionary;
            }

            var element = type.IsArray ? type.GetElementType()
                : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments().Length == 1 ? type.GetGenericArguments()[0]
                : null;
            if (element is not null)
            {
                var list = Array.CreateInstance(element, 1);
                list.SetValue(Make(element, name, ref counter), 0);
                return type.IsArray || type.IsInterface ? list : Activator.CreateInstance(type, list)!;
            }

            var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance).MaxBy(c => c.GetParameters().Length)
                ?? throw new InvalidOperationException($"No public constructor on {type}");
            var parameters = constructor.GetParameters();
            var arguments = new object[parameters.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                arguments[i] = Make(parameters[i].ParameterType, parameters[i].Name ?? "", ref counter);
            }

            return constructor.Invoke(arguments);
        }
    }
}
