using DataExchange.Cli.Commands;
using RuleSetCatalog = DataExchange.Compliance.RuleSetCatalog;
using DataExchange.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;
using Region = DataExchange.Contracts.V1.Region;
using Spectre.Console.Rendering;

namespace DataExchange.Cli.Tests;

/// <summary>
/// Every table and block of labelled values dx prints, rendered at 80 and 100 columns from representative responses
/// (long titles, Chinese names, refused attempts without filing numbers, approvals with several listings): every line
/// fits, and no identifier (resource name, UUID, filing or reference number) is cut or split across lines.
/// </summary>
public sealed class TableWidthTests
{
    private const string Vendor = "participants/0199b0a4-aaaa-7bbb-8ccc-000000000001";
    private const string Buyer = "participants/0199b0a4-aaaa-7bbb-8ccc-000000000002";
    private const string Compliance = "participants/0199b0a4-aaaa-7bbb-8ccc-000000000003";
    private const string ListingA = "listings/0199b0a4-1c2d-7e3f-8a4b-5c6d7e8f9a01";
    private const string ListingB = "listings/0199b0a4-1c2d-7e3f-8a4b-5c6d7e8f9a02";
    private const string Approval = Vendor + "/exportApprovals/0199b0a4-5555-7666-8777-888888888888";
    private const string FiledTrade = "trades/0199b0a4-7777-7888-8999-aaaaaaaaaaa1";
    private const string RefusedTrade = "trades/0199b0a4-7777-7888-8999-aaaaaaaaaaa2";
    private const string Token = Buyer + "/tokens/0199b0a4-9999-7999-8999-999999999999";

    private static readonly FakeNames Names = new(new()
    {
        [Vendor] = "Hetao Mobility Data (河套移动数据科技有限公司)",
        [Buyer] = "Victoria Harbour Analytics Consortium Limited",
        [Compliance] = "SZDEX Compliance",
        [ListingA] = "Shenzhen commuter origin-destination matrix, hourly, 2019-2025, all districts",
        [ListingB] = "深圳市中小企业主信用评分月度数据",
    });

    /// <summary>Every identifier the renderers may print, whole or as the UUID at its end.</summary>
    private static readonly string[] Identifiers =
    [
        Vendor, Buyer, Compliance, ListingA, ListingB, FiledTrade, RefusedTrade, "DX-2024-000001", "GD-GBA-2024-0001",
        "YUE-SC-2026-0007-EXTENDED-REFERENCE", "XB-5-CONTRACT-BAND", "XB-8-GBA-CONTRACT", "XB-5-APPROVAL", "CN-2024.03",
        "sha256:9f2c1d6b3a4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
        .. new[] { Vendor, Buyer, ListingA, ListingB, FiledTrade, RefusedTrade, Approval, Token }.Select(DataExchange.Cli.Names.BareId),
    ];

    private static Timestamp At(int day) => Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 5, day, 10, 22, 0, TimeSpan.Zero));

    private static Trade Trade(string name, string filing, TradeState state, bool accepted) => new()
    {
        Name = name,
        FilingNumber = filing,
        Listing = ListingA,
        ListingRevision = 2,
        Vendor = Vendor,
        Buyer = Buyer,
        Licence = new LicenceTerms { Purpose = "Credit risk models for small and medium enterprise lending in the Greater Bay Area", TermDays = 365, Territory = Territory.GreaterBayArea },
        Amount = new Money { CurrencyCode = "CNY", AmountMinor = 1_234_567_890 },
        State = state,
        Origin = TradeOrigin.Executed,
        TradeDate = new Google.Type.Date { Year = 2024, Month = 5, Day = 1 },
        DeliveryNote = "SFTP account dx-7731 opened; keys sent by registered mail to the buyer's data protection officer",
        CreateTime = At(1),
        UpdateTime = At(2),
        Etag = "4",
        Compliance = new ComplianceDecision
        {
            Accepted = accepted,
            Outcome = accepted ? DecisionOutcome.Accepted : DecisionOutcome.Refused,
            CrossBorder = true,
            Crossing = BorderCrossing.MainlandExport,
            RuleSetVersion = "CN-2024.03",
            Mechanism = accepted ? ExportMechanism.GbaStandardContract : ExportMechanism.StandardContract,
            Approval = accepted ? Approval : "",
            ApprovalReference = accepted ? "GD-GBA-2024-0001" : "",
            RefusalReason = accepted ? "" : "STANDARD_CONTRACT_OR_CERTIFICATION_REQUIRED",
            RefusedByRule = accepted ? "" : "XB-5-CONTRACT-BAND",
            Explanation = "Accepted under CN-2024.03: 100,000 to 1,000,000 individuals requires a PI export standard contract, replaced by GBA standard contract GD-GBA-2024-0001 (parties in the Greater Bay Area, no onward transfer outside it).",
            CumulativeIndividuals = 150_000,
            Citations = { "Provisions on Promoting and Regulating Cross-Border Data Flows (2024) art. 8", "GBA Standard Contract Implementation Guidelines art. 3" },
            Evaluations =
            {
                new RuleEvaluation { RuleId = "XB-0-SCOPE", Description = "Cross-border = data located in the mainland and importer outside it", Outcome = "CROSS_BORDER", Inputs = { ["importerRegion"] = "HongKong", ["dataLocation"] = "MainlandChina/Shenzhen" } },
                new RuleEvaluation { RuleId = "XB-5-CONTRACT-BAND", Description = "100,000 to 1,000,000 individuals: a standard contract or certification", Outcome = "TRIGGERED", Inputs = { ["cumulativeIndividuals"] = "150000" } },
                new RuleEvaluation { RuleId = "XB-5-APPROVAL", Description = "A valid standard contract, certification or security assessment covers the trade", Outcome = "REFUSED" },
                new RuleEvaluation { RuleId = "XB-8-GBA-CONTRACT", Description = "GBA standard contract: mainland GBA city ↔ Hong Kong, no important data, no onward transfer outside the GBA", Outcome = accepted ? "SATISFIED_BY:GD-GBA-2024-0001" : "NOT_APPLICABLE" },
            },
        },
    };

    private static Listing Listing(string name, ListingState state) => new()
    {
        Name = name,
        Vendor = Vendor,
        Title = Names.Listing(name),
        Description = "Hourly origin-destination counts of commuters between Shenzhen's 74 sub-districts, from anonymised signalling data",
        Sector = Sector.Transport,
        Declaration = new DataDeclaration
        {
            DataLevel = DataLevel.General, ContainsPersonalInformation = true, Individuals = 150_000, SensitiveIndividuals = 1_200,
            Location = new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" }, Categories = { "mobility", "location-traces", "credit-records" },
        },
        DeliveryMethod = DeliveryMethod.PrivacyPreservingComputation,
        Price = new Money { CurrencyCode = "HKD", AmountMinor = 99_999_999_999 },
        Licence = new LicenceTerms { Purpose = "Transport planning", TermDays = 3650, Territory = Territory.GreaterBayArea },
        State = state,
        Revision = 12,
        Etag = "17",
        RegistrationNumber = "SZDEX-REG-2024-000123",
        CreateTime = At(1),
        UpdateTime = At(3),
        DataLevel = DataLevel.Important,
        DataLevelHistory =
        {
            new DataLevelClassification { DataLevel = DataLevel.Important, EffectiveDate = new Google.Type.Date { Year = 2025, Month = 3, Day = 1 }, Reference = "YUE-SC-2026-0007-EXTENDED-REFERENCE", RecordedBy = Compliance, CreateTime = At(4) },
        },
    };

    private static Participant Participant(string name) => new()
    {
        Name = name,
        DisplayName = Names.Participant(name),
        LegalName = "河套深港科技创新合作区移动数据科技有限公司 (Hetao Shenzhen-Hong Kong Science and Technology Innovation Cooperation Zone Mobility Data Co., Ltd.)",
        Roles = { Role.Vendor, Role.Buyer, Role.ComplianceOfficer },
        Jurisdiction = new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" },
        CriticalInformationInfrastructureOperator = true,
        CreateTime = At(1),
        UpdateTime = At(2),
        Etag = "3",
        CiioDesignations = { new CiioDesignation { CriticalInformationInfrastructureOperator = true, EffectiveDate = new Google.Type.Date { Year = 2025, Month = 3, Day = 1 }, Reference = "GD-GBA-2024-0001", RecordedBy = Compliance, CreateTime = At(3) } },
    };

    private static ExportApproval ApprovalMessage() => new()
    {
        Name = Approval,
        Kind = ExportMechanism.GbaStandardContract,
        ReferenceNumber = "YUE-SC-2026-0007-EXTENDED-REFERENCE",
        Listings = { ListingA, ListingB },
        DataCategories = { "credit-records" },
        CounterpartRegion = Region.HongKong,
        ValidFromDate = new Google.Type.Date { Year = 2024, Month = 1, Day = 1 },
        ValidUntilDate = new Google.Type.Date { Year = 2099, Month = 12, Day = 31 },
        Recipients = { Buyer },
        Destinations = { "HK" },
        Purpose = "Credit risk models",
        CreateTime = At(1),
        Etag = "1",
    };

    /// <summary>Everything dx draws for people, by name.</summary>
    public static TheoryData<string, int> Renderings()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in Renderers.Keys)
        {
            data.Add(name, 80);
            data.Add(name, 100);
        }

        return data;
    }

    private static readonly Dictionary<string, Action<IAnsiConsole>> Renderers = new()
    {
        ["trades list"] = c => c.Write(TradesCommands.ListCommand.Table(
            [Trade(FiledTrade, "DX-2024-000001", TradeState.Settled, true), Trade(RefusedTrade, "", TradeState.Refused, false)], Names)),
        ["trades show (filed)"] = c => TradesCommands.Render(c, Trade(FiledTrade, "DX-2024-000001", TradeState.Delivered, true), evaluations: true, Names),
        ["trades show (refused)"] = c => TradesCommands.Render(c, Trade(RefusedTrade, "", TradeState.Refused, false), evaluations: true, Names),
        ["trades history"] = c => c.Write(new TimelineBlock("History of trade DX-2024-000001 (times in UTC)", TradeTimeline.Entries(Receipt(), Trade(FiledTrade, "DX-2024-000001", TradeState.Settled, true), Names))),
        ["listings list"] = c => c.Write(ListingsCommands.ListCommand.Table([Listing(ListingA, ListingState.Listed), Listing(ListingB, ListingState.Submitted)], Names)),
        ["listings show"] = c => ListingsCommands.Render(c, Listing(ListingA, ListingState.Suspended), Names),
        ["listings history"] = c => c.Write(new TimelineBlock("History of listing", ListingTimeline.Entries(
        [
            new ListingEvent { Version = 1, EventType = "ListingDrafted", Actor = Vendor, Time = At(1), DataJson = "{\"By\":\"x\"}" },
            new ListingEvent { Version = 2, EventType = "ListingReturned", Actor = Compliance, Time = At(2), DataJson = "{\"Reason\":\"The declaration must state the number of individuals whose sensitive personal information the data holds, and where it is located\",\"Evidence\":[\"ASSESSOR-2026-0042\",\"YUE-SC-2026-0007-EXTENDED-REFERENCE\"],\"By\":\"x\"}" },
            new ListingEvent { Version = 3, EventType = "ExclusiveLicenceGranted", Time = At(3), DataJson = $"{{\"TradeId\":\"{DataExchange.Cli.Names.BareId(FiledTrade)}\",\"Territory\":2,\"From\":\"2024-05-01\",\"Until\":\"2025-04-30\"}}" },
        ], Names))),
        ["participants list"] = c => c.Write(ParticipantsCommands.Table([Participant(Vendor), Participant(Buyer)])),
        ["participants show"] = c => ParticipantsCommands.Render(c, Participant(Vendor), Names),
        ["tokens list"] = c => c.Write(TokensCommands.Table(
            [new ApiToken { Name = Token, Label = "ci-pipeline of the data science team's nightly model refresh", CreateTime = At(1), RevokeTime = At(2) }], Names, participants: true, revoked: true)),
        ["approvals list --all --include-revoked"] = c => c.Write(ApprovalsCommands.ListCommand.Table([ApprovalMessage(), ApprovalMessage()], Names, exporters: true, revoked: true)),
        ["approvals record"] = c => ApprovalsCommands.Render(c, ApprovalMessage(), Names),
        ["stats"] = c => StatsCommand.Render(c, new ExchangeStatistics
        {
            Overall = new FilingTotals { FiledTrades = 415, TotalValue = { new Money { CurrencyCode = "CNY", AmountMinor = 110_700_000_000 }, new Money { CurrencyCode = "HKD", AmountMinor = 1_000_000 } }, CrossBorderTrades = 14, RefusedAttempts = 9 },
            Years = { new YearStatistics { Year = 2022, Totals = new FilingTotals { FiledTrades = 415, TotalValue = { new Money { CurrencyCode = "CNY", AmountMinor = 110_700_000_000 }, new Money { CurrencyCode = "HKD", AmountMinor = 1_000_000 } }, CrossBorderTrades = 14, CrossBorderValue = { new Money { CurrencyCode = "CNY", AmountMinor = 1_115_000_000 } }, RefusedAttempts = 9 } } },
            AsOf = At(5),
            CrossBorderDestinations =
            {
                new DestinationStatistics { Code = "HK", EnglishName = "Hong Kong", ChineseName = "香港特别行政区", FiledTrades = 11, Value = { new Money { CurrencyCode = "CNY", AmountMinor = 900_000_000 } } },
                new DestinationStatistics { Code = "SG", EnglishName = "Singapore", ChineseName = "新加坡", FiledTrades = 3, Value = { new Money { CurrencyCode = "CNY", AmountMinor = 215_000_000 } } },
            },
            Months =
            {
                new MonthStatistics { Year = 2022, Month = 11, Totals = new FilingTotals { FiledTrades = 415, TotalValue = { new Money { CurrencyCode = "CNY", AmountMinor = 110_700_000_000 } }, CrossBorderTrades = 14 } },
                new MonthStatistics { Year = 2022, Month = 12, Totals = new FilingTotals() },
            },
        }, byMonth: true),
        ["register search"] = c => c.Write(RegisterCommands.Table([PublicFiling()])),
        ["register show"] = c => c.Write(RegisterCommands.Details(PublicFiling())),
        ["rules list"] = c => c.Write(RulesCommands.Table(RuleSetCatalog.Default.Versions)),
        ["ledger keys"] = c => c.Write(LedgerCommands.KeysTable(
        [
            new SigningKey { KeyName = "dataexchange-sm2", KeyId = "9f2c1d6b", Type = SigningKeyType.Sm2Sm3 },
            new SigningKey { KeyName = "dataexchange-ed25519", KeyId = "0a1b2c3d", Type = SigningKeyType.Ed25519, ValidUntilTreeSize = 178_194 },
        ])),
        ["ledger witnesses"] = c => c.Write(LedgerWitnessesCommand.Table(
        [
            new Witness { KeyName = "witness.example.org/w1", State = WitnessState.Current, CosignedTreeSize = 178_194, LastContactTime = At(5), Uri = "http://witness-1:7380/" },
            new Witness
            {
                KeyName = "witness.regulator.gov.cn/szdex", State = WitnessState.Refusing, CosignedTreeSize = 178_100, LastContactTime = At(5), Uri = "https://witness.regulator.gov.cn/szdex/",
                LastError = "422 Unprocessable Entity: the consistency proof from 178100 to 178194 does not verify against the root it cosigned",
            },
        ])),
        ["ledger entries"] = c => c.Write(LedgerCommands.EntriesTable(
        [
            new LogEntry
            {
                LeafIndex = 178_193, RecordTime = At(1), StreamId = DataExchange.Cli.Names.BareId(FiledTrade), StreamVersion = 12,
                EventType = "trade_receipt_acknowledged", EffectiveDate = "2024-05-01",
                PayloadDigest = "sha256:9f2c1d6b3a4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
            },
            new LogEntry { LeafIndex = 178_194, LeafDecodeError = "not canonical JSON: a member name is not a string at byte 17" },
        ])),
    };

    private static PublicFiling PublicFiling() => new()
    {
        Name = "filings/DX-2022-000415", FilingNumber = "DX-2022-000415", Trade = FiledTrade, Listing = ListingA,
        ListingTitle = "Shenzhen Bay port cross-border truck flows (aggregated, hourly, by lane and vehicle class)",
        ListingRegistrationNumber = "SZDEX-DP-2022-000123", Vendor = Vendor, VendorDisplayName = "Hetao Mobility Data",
        VendorJurisdiction = new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen", Code = "440300", ChineseName = "深圳市" },
        BuyerJurisdiction = new Jurisdiction { Region = Region.HongKong, Code = "HK", ChineseName = "香港特别行政区" },
        Crossing = BorderCrossing.MainlandExport, CrossBorder = true, Amount = new Money { CurrencyCode = "CNY", AmountMinor = 128_000_000 },
        TradeDate = new Google.Type.Date { Year = 2022, Month = 11, Day = 15 }, Origin = TradeOrigin.Executed, State = TradeState.Contracted,
        Outcome = DecisionOutcome.Accepted, RuleSetVersion = "CN-2022.09", Mechanism = ExportMechanism.StandardContract,
        Citations = { "Measures 2022 art. 4", "PIPL art. 38(1)(3)" }, LeafIndexes = { 1_204, 1_205, 1_388 },
    };

    private static TradeReceipt Receipt()
    {
        LogEntry Entry(string type, string payload, int day) => new() { EventType = type, RecordTime = At(day), Payload = ByteString.CopyFromUtf8(payload) };
        var id = DataExchange.Cli.Names.BareId(Vendor);
        return new TradeReceipt
        {
            Trade = FiledTrade,
            Leaves =
            {
                new ReceiptLeaf { Entry = Entry("trade_contracted", $"{{\"FilingNumber\":\"DX-2024-000001\",\"Amount\":{{\"AmountMinor\":1234567890,\"CurrencyCode\":\"CNY\"}},\"Origin\":\"Executed\",\"EffectiveDate\":\"2024-05-01\",\"By\":\"{DataExchange.Cli.Names.BareId(Buyer)}\"}}", 1) },
                new ReceiptLeaf { Entry = Entry("trade_delivered", $"{{\"Note\":{{\"Commitment\":\"sha256:00\"}},\"By\":\"{id}\"}}", 2) },
                new ReceiptLeaf { Entry = Entry("trade_dispute_resolved", $"{{\"Resolution\":\"UpheldRefund\",\"By\":\"{DataExchange.Cli.Names.BareId(Compliance)}\"}}", 3) },
            },
        };
    }

    private static IReadOnlyList<string> Render(string what, int width)
    {
        var stdout = new StringWriter();
        var output = new Output(false, stdout, TextWriter.Null, width);
        Renderers[what](output.Console);
        return stdout.ToString().Replace("\r", "", StringComparison.Ordinal).Split('\n');
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Every_line_fits_and_no_identifier_is_split(string what, int width)
    {
        var lines = Render(what, width);

        Assert.All(lines, line => Assert.True(TextLayout.Width(line) <= width, $"{what} at {width}: {TextLayout.Width(line)} columns: {line}"));
        Assert.Contains(lines, l => l.Trim().Length > 0);
        foreach (var id in Identifiers)
        {
            for (var k = 4; k < id.Length; k++)
            {
                // Never cut with an ellipsis ...
                Assert.DoesNotContain(lines, l => l.Contains(id[..k] + "…", StringComparison.Ordinal));

                // ... and never its start at the end of one line and the rest at the start of the next.
                for (var i = 0; i + 1 < lines.Count; i++)
                {
                    Assert.False(lines[i].TrimEnd().EndsWith(id[..k], StringComparison.Ordinal) && lines[i + 1].TrimStart().StartsWith(id[k..], StringComparison.Ordinal),
                        $"{what} at {width}: '{id}' split between:\n{lines[i]}\n{lines[i + 1]}");
                }
            }
        }
    }

    [Fact]
    public void Key_columns_stay_and_low_priority_ones_go_at_80_columns()
    {
        var lines = Render("trades list", 80);

        Assert.Contains(lines, l => l.StartsWith("DX-2024-000001", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(DataExchange.Cli.Names.BareId(RefusedTrade), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Not shown at 80 columns:", StringComparison.Ordinal));
    }

    [Fact]
    public void Wide_enough_shows_every_column_with_names_instead_of_uuids()
    {
        var lines = Render("trades list", 240);

        Assert.StartsWith("Trade", lines[0], StringComparison.Ordinal);
        foreach (var header in new[] { "Date", "State", "Amount", "Listing", "Vendor", "Buyer", "X-border" })
        {
            Assert.Contains(header, lines[0], StringComparison.Ordinal);
        }

        Assert.Contains(lines, l => l.Contains("Victoria Harbour Analytics Consortium Limited", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(Vendor, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("Not shown", StringComparison.Ordinal));
    }

    [Fact]
    public void Too_narrow_for_the_key_columns_every_row_is_shown_as_labelled_values()
    {
        var (lines, hidden, vertical) = TextLayout.Table(
            [new("Id", CellKind.Id), new("Reference", CellKind.Id)],
            [[DataExchange.Cli.Names.BareId(FiledTrade), "YUE-SC-2026-0007-EXTENDED-REFERENCE"]], 60);

        Assert.True(vertical);
        Assert.Empty(hidden);
        Assert.Equal(["Id         " + DataExchange.Cli.Names.BareId(FiledTrade), "Reference  YUE-SC-2026-0007-EXTENDED-REFERENCE"], lines);
    }

    [Theory]
    [InlineData("Shenzhen commuter matrix", 12, "Shenzhen co…")]
    [InlineData("深圳市中小企业主信用评分", 9, "深圳市中…")]
    [InlineData("short", 10, "short")]
    public void Free_text_is_cut_with_an_ellipsis_by_display_width(string text, int width, string expected)
    {
        Assert.Equal(expected, TextLayout.Cut(text, width));
        Assert.True(TextLayout.Width(TextLayout.Cut(text, width)) <= width);
    }

    [Theory]
    [InlineData(null, null, false, 100)]
    [InlineData(null, "132", false, 132)]
    [InlineData(90, "132", true, 90)]
    [InlineData(null, "junk", true, 120)]
    [InlineData(null, null, true, 120)]
    public void The_width_comes_from_the_option_then_COLUMNS_then_the_terminal_then_100(int? option, string? columns, bool terminal, int expected) =>
        Assert.Equal(expected, Output.ResolveWidth(option, columns, terminal, () => 120));
}
