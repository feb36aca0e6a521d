using DataExchange.Contracts.V1;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using static DataExchange.Server.Tests.Listings.Samples;

namespace DataExchange.Server.Tests.Hardening;

/// <summary>
/// Issue 12, item 10: names and other display text are stored in NFC and may not hide characters: a bidirectional
/// control or an invisible character is INVALID_ARGUMENT naming the field, the character and its position.
/// </summary>
public class HiddenCharacterSpecs(ServerFixture server) : IClassFixture<ServerFixture>
{
    public static TheoryData<string, string> Hidden() => new()
    {
        { "\u202E", "U+202E RIGHT-TO-LEFT OVERRIDE" },
        { "\u202A", "U+202A LEFT-TO-RIGHT EMBEDDING" },
        { "\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE" },
        { "\u2069", "U+2069 POP DIRECTIONAL ISOLATE" },
        { "\u200E", "U+200E LEFT-TO-RIGHT MARK" },
        { "\u200F", "U+200F RIGHT-TO-LEFT MARK" },
        { "\u061C", "U+061C ARABIC LETTER MARK" },
        { "\u200B", "U+200B ZERO WIDTH SPACE" },
        { "\u200D", "U+200D ZERO WIDTH JOINER" },
        { "\u2060", "U+2060 WORD JOINER" },
        { "\uFEFF", "U+FEFF ZERO WIDTH NO-BREAK SPACE" },
        { "\u00AD", "U+00AD SOFT HYPHEN" },
        { "\U000E0041", "U+E0041 TAG OR VARIATION SELECTOR" },
    };

    private static Participant Named(string displayName) => new()
    {
        DisplayName = displayName, LegalName = "Pearl River Data Co.", Roles = { Role.Buyer },
        Jurisdiction = new Jurisdiction { Region = Region.MainlandChina, City = "Guangzhou" },
    };

    [Theory]
    [MemberData(nameof(Hidden))]
    public async Task A_participant_name_with_a_hidden_character_is_rejected_naming_field_character_and_position(string hidden, string named)
    {
        var before = await server.CountEventsAsync();
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () =>
            server.Operator.Participants.CreateParticipantAsync(new CreateParticipantRequest { Participant = Named($"Acme{hidden}Data"), RequestId = Rid() }));
        var violation = Assert.Single(status.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("participant.display_name", violation.Field);
        Assert.Contains($"{named} at position 4", violation.Description, StringComparison.Ordinal);
        Assert.StartsWith("participant.display_name contains " + named, status.Message, StringComparison.Ordinal);
        Assert.Equal(before, await server.CountEventsAsync());
    }

    [Fact]
    public async Task The_position_counts_characters_not_utf16_units()
    {
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () =>
            server.Operator.Participants.CreateParticipantAsync(new CreateParticipantRequest { Participant = Named("𝔸𝔹 深圳\u202Eatad"), RequestId = Rid() }));
        Assert.Contains("U+202E RIGHT-TO-LEFT OVERRIDE at position 5", status.GetDetail<BadRequest>()!.FieldViolations[0].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listing_title_and_description_with_hidden_characters_are_rejected()
    {
        var vendor = await server.NewParticipantAsync("Hidden text vendor", Region.MainlandChina, "Shenzhen", Role.Vendor);
        var listing = Listing(title: "Logistics\u200B ETA");
        listing.Description = "Arrival times \u2067reversed\u2069.";
        var status = await Errors.Expect(StatusCode.InvalidArgument, "INVALID_REQUEST", () =>
            vendor.Clients.Listings.CreateListingAsync(new CreateListingRequest { Listing = listing, RequestId = Rid() }));
        Assert.Equal(["listing.title", "listing.description"], status.Fields());
    }

    [Fact]
    public async Task Names_are_stored_in_nfc()
    {
        // "Café 數據" with the accent as a combining character, and the Angstrom sign U+212B.
        var created = await server.Operator.Participants.CreateParticipantAsync(new CreateParticipantRequest
        {
            Participant = Named("Cafe\u0301 \u212B Data"), RequestId = Rid(),
        });
        Assert.True(UnicodeNfc.IsAvailable, "ICU is needed for NFC");
        Assert.Equal("Caf\u00E9 \u00C5 Data", created.DisplayName);
        var read = await server.Operator.Participants.GetParticipantAsync(new GetParticipantRequest { Name = created.Name });
        Assert.Equal("Caf\u00E9 \u00C5 Data", read.DisplayName);
    }

    [Theory]
    [InlineData("深圳市数据交易有限公司")]
    [InlineData("Harbour Analytics (香港) Ltd")]
    [InlineData("Société Générale Data")]
    public async Task Ordinary_names_in_any_script_are_accepted(string name)
    {
        var created = await server.Operator.Participants.CreateParticipantAsync(new CreateParticipantRequest { Participant = Named(name), RequestId = Rid() });
        Assert.Equal(name, created.DisplayName);
    }
}
