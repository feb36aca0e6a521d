using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataExchange.Domain.Common;

/// <summary>
/// Free text a person types that could identify an individual (notes, reasons, payment references), kept in an event
/// as a salted commitment beside the text. The ledger commits to <see cref="Commitment"/> only (LedgerPayload), so the
/// text never reaches a leaf or a receipt; erasing <see cref="Salt"/> and <see cref="Text"/> leaves the log verifying.
/// Events recorded before sealing hold a plain string, read as a text without commitment.
/// </summary>
[JsonConverter(typeof(SealedTextConverter))]
public sealed record SealedText(string? Commitment, string? Salt, string? Text)
{
    /// <summary>A text as events recorded before sealing hold it.</summary>
    public static SealedText Legacy(string? text) => new(null, null, text);

    public override string ToString() => Text ?? "";
}

/// <summary>Writes {"Commitment","Salt","Text"} (the shape LedgerPayload recognises); reads that or a legacy string.</summary>
public sealed class SealedTextConverter : JsonConverter<SealedText>
{
    public override SealedText? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return SealedText.Legacy(reader.GetString());
            case JsonTokenType.StartObject:
                string? commitment = null, salt = null, text = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString();
                    reader.Read();
                    var value = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                    switch (name)
                    {
                        case "Commitment": commitment = value; break;
                        case "Salt": salt = value; break;
                        case "Text": text = value; break;
                        default: throw new JsonException($"Unknown sealed-text member '{name}'.");
                    }
                }

                return new SealedText(commitment, salt, text);
            default:
                throw new JsonException("A sealed text is a string or an object.");
        }
    }

    public override void Write(Utf8JsonWriter writer, SealedText value, JsonSerializerOptions options)
    {
        if (value.Commitment is null)
        {
            writer.WriteStringValue(value.Text);
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("Commitment", value.Commitment);
        writer.WriteString("Salt", value.Salt);
        writer.WriteString("Text", value.Text);
        writer.WriteEndObject();
    }
}
