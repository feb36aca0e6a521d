using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataExchange.Ledger.Canonical;

namespace DataExchange.Ledger.Tests;

public class JsonCanonicalizerTests
{
    private static string Canonical(string json) => Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(json)));

    // cyberphone/json-canonicalization testdata/input/structures.json → output/structures.json
    [Fact]
    public void Canonicalize_CyberphoneStructures_MatchesPublishedOutput()
    {
        const string input = "{\n  \"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0},\n  \"10\": { },\n  \"\": \"empty\",\n  \"a\": { },\n  \"111\": [ { } ],\n  \"A\": { }\n}";
        Assert.Equal("{\"\":\"empty\",\"1\":{\"\\n\":56,\"f\":{\"F\":5,\"f\":\"hi\"}},\"10\":{},\"111\":[{}],\"A\":{},\"a\":{}}", Canonical(input));
    }

    // testdata/input/weird.json: sorting by UTF-16 code units, including a surrogate pair.
    [Fact]
    public void Canonicalize_CyberphoneWeird_MatchesPublishedOutput()
    {
        const string input = "{\n  \"\\u20ac\": \"Euro Sign\",\n  \"1\": \"One\",\n  \"\\u0080\": \"Control\\u007f\",\n  \"\\ud83d\\ude02\": \"Smiley\",\n  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\",\n  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n  \"</script>\": \"Browser Challenge\"\n}\n";
        const string expected = "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u0080\":\"Control\u007f\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\ud83d\ude02\":\"Smiley\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}";
        Assert.Equal(expected, Canonical(input));
    }

    [Fact]
    public void Canonicalize_CyberphoneFrench_IgnoresLocaleWhenSorting()
    {
        const string input = "{\n  \"peach\": \"This sorting order\",\n  \"péché\": \"is wrong according to French\",\n  \"pêche\": \"but canonicalization MUST\",\n  \"sin\":   \"ingnore locale\"\n}\n";
        Assert.Equal("{\"peach\":\"This sorting order\",\"péché\":\"is wrong according to French\",\"pêche\":\"but canonicalization MUST\",\"sin\":\"ingnore locale\"}", Canonical(input));
    }

    [Fact]
    public void Canonicalize_CyberphoneUnicode_DoesNotNormalize()
    {
        Assert.Equal("{\"Unnormalized Unicode\":\"\u1e0d\u0307\"}", Canonical("{\n  \"Unnormalized Unicode\":\"\\u1e0d\\u0307\"\n}\n"));
    }

    [Theory]
    [InlineData("\"\\u0000\\u0001\\u001f\"", "\"\\u0000\\u0001\\u001f\"")]
    [InlineData("\"\\b\\f\\n\\r\\t\"", "\"\\b\\f\\n\\r\\t\"")]
    [InlineData("\"\\u0008\\u000C\"", "\"\\b\\f\"")]
    [InlineData("\"\\\"\\\\\\/\"", "\"\\\"\\\\/\"")]
    [InlineData("\"\\u0041\\u00e9\\u2028\"", "\"Aé\u2028\"")]
    [InlineData("\"\\u007f\"", "\"\u007f\"")]
    public void Canonicalize_Strings_UseOnlyRfc8785Escapes(string input, string expected)
    {
        Assert.Equal(expected, Canonical(input));
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("1E2", "100")]
    [InlineData("56.000", "56")]
    [InlineData("9007199254740991", "9007199254740991")]
    [InlineData("-9007199254740991", "-9007199254740991")]
    [InlineData("[true,false,null, -5 ]", "[true,false,null,-5]")]
    public void Canonicalize_IntegralNumbersAndLiterals_AreWrittenPlainly(string input, string expected)
    {
        Assert.Equal(expected, Canonical(input));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1e400")]
    [InlineData("9007199254740992")]
    [InlineData("-9007199254740992")]
    [InlineData("12345678901234567890")]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("\"\\ud800\"")]
    [InlineData("{\"a\":1} x")]
    [InlineData("{\"a\":1,}")]
    public void Canonicalize_OutOfShapeInput_Throws(string input)
    {
        Assert.Throws<JsonCanonicalizationException>(() => Canonical(input));
    }

    [Fact]
    public void Canonicalize_JsonNodeWithClrValues_MatchesParsedEquivalent()
    {
        var node = new JsonObject
        {
            ["z"] = 3,
            ["b"] = new JsonArray(1L, "two", true, null, 4.0),
            ["a"] = new JsonObject { ["\u00e9"] = "x", ["E"] = "y" },
            ["id"] = JsonValue.Create(Guid.Parse("00000000-0000-0000-0000-000000000001")),
        };
        const string expected = "{\"a\":{\"E\":\"y\",\"é\":\"x\"},\"b\":[1,\"two\",true,null,4],\"id\":\"00000000-0000-0000-0000-000000000001\",\"z\":3}";
        Assert.Equal(expected, Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(node)));
        Assert.Equal(expected, Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(JsonNode.Parse(node.ToJsonString()))));
        using var document = JsonDocument.Parse(node.ToJsonString());
        Assert.Equal(expected, Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(document.RootElement)));
    }

    [Fact]
    public void Canonicalize_JsonNodeWithFloatOrBigInteger_Throws()
    {
        Assert.Throws<JsonCanonicalizationException>(() => JsonCanonicalizer.Canonicalize(new JsonObject { ["x"] = 0.1 }));
        Assert.Throws<JsonCanonicalizationException>(() => JsonCanonicalizer.Canonicalize(new JsonObject { ["x"] = long.MaxValue }));
        Assert.Throws<JsonCanonicalizationException>(() => JsonCanonicalizer.Canonicalize(JsonValue.Create("\ud800")));
    }

    [Fact]
    public void Canonicalize_CanonicalOutput_IsAFixedPoint()
    {
        const string input = "{ \"b\" : [ 1 , { \"y\":\"\\u00e9\", \"x\": null } ], \"a\": \"\\u001b\" }";
        string once = Canonical(input);
        Assert.Equal(once, Canonical(once));
    }
}
