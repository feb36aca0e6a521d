using DataExchange.Cli.Commands;
using DataExchange.Contracts.V1;
using static DataExchange.Cli.Tests.TestSupport;

namespace DataExchange.Cli.Tests;

public sealed class ListingsParsingTests
{
    private const string FullCreate =
        "listings create --title \"SZ credit scores\" --description \"Monthly SME credit scores\" --sector finance " +
        "--data-level important --personal-information --individuals 1000 --sensitive-individuals 10 " +
        "--location-region mainland --location-city Shenzhen --category credit-records --category sme " +
        "--delivery privacy-computation --price 1999 --currency hkd --purpose \"Credit risk models\" --term-days 365 " +
        "--exclusive --onward-transfer --territory gba --request-id create-1";

    /// <summary>The listing as the server would hold it, to merge partial updates into.</summary>
    private static Listing Current() => new()
    {
        Name = ListingName,
        Title = "Old title",
        Description = "Old description",
        Sector = Sector.Finance,
        Declaration = new DataDeclaration
        {
            DataLevel = DataLevel.General,
            ContainsPersonalInformation = true,
            Individuals = 500,
            SensitiveIndividuals = 5,
            Location = new Jurisdiction { Region = Region.MainlandChina, City = "Guangzhou" },
            Categories = { "old-category" },
        },
        DeliveryMethod = DeliveryMethod.Api,
        Price = new Money { CurrencyCode = "CNY", AmountMinor = 1000 },
        Licence = new LicenceTerms { Purpose = "Old purpose", TermDays = 30, Exclusive = true, Territory = Territory.MainlandChina },
        Etag = "7",
    };

    [Fact]
    public void Create_builds_the_whole_listing()
    {
        var (command, result) = Parse<ListingsCommands.CreateCommand>(FullCreate);

        var request = command.BuildRequest(result);

        var expected = new CreateListingRequest
        {
            RequestId = "create-1",
            Listing = new Listing
            {
                Title = "SZ credit scores",
                Description = "Monthly SME credit scores",
                Sector = Sector.Finance,
                Declaration = new DataDeclaration
                {
                    DataLevel = DataLevel.Important,
                    ContainsPersonalInformation = true,
                    Individuals = 1000,
                    SensitiveIndividuals = 10,
                    Location = new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" },
                    Categories = { "credit-records", "sme" },
                },
                DeliveryMethod = DeliveryMethod.PrivacyPreservingComputation,
                Price = new Money { CurrencyCode = "HKD", AmountMinor = 1999 },
                Licence = new LicenceTerms
                {
                    Purpose = "Credit risk models",
                    TermDays = 365,
                    Exclusive = true,
                    OnwardTransferAllowed = true,
                    Territory = Territory.GreaterBayArea,
                },
            },
        };
        Assert.Equal(expected, request);
    }

    [Fact]
    public void Create_defaults_currency_flags_and_request_id()
    {
        var (command, result) = Parse<ListingsCommands.CreateCommand>(
            "listings create --title T --description D --sector ai-training --data-level general --location-region hong-kong " +
            "--delivery file --price 0 --purpose P --term-days 1 --territory global");

        var request = command.BuildRequest(result);

        Assert.Equal(new Money { CurrencyCode = "CNY", AmountMinor = 0 }, request.Listing.Price);
        Assert.False(request.Listing.Declaration.ContainsPersonalInformation);
        Assert.Equal(0, request.Listing.Declaration.Individuals);
        Assert.Empty(request.Listing.Declaration.Categories);
        Assert.Equal("", request.Listing.Declaration.Location.City);
        Assert.False(request.Listing.Licence.Exclusive);
        Assert.False(request.Listing.Licence.OnwardTransferAllowed);
        AssertUuidV7(request.RequestId);
    }

    [Theory]
    [InlineData("--title")]
    [InlineData("--price")]
    [InlineData("--territory")]
    [InlineData("--location-region")]
    public void Create_requires_the_content(string option)
    {
        var line = FullCreate.Replace(option + " " + ValueIn(FullCreate, option), "", StringComparison.Ordinal);

        var errors = ParseErrors(line);

        Assert.Equal($"Option '{option}' is required.", Assert.Single(errors));
    }

    [Theory]
    [InlineData("--sector", "fintech")]
    [InlineData("--price", "19.99")]
    [InlineData("--data-level", "secret")]
    [InlineData("--delivery", "email")]
    [InlineData("--term-days", "year")]
    public void Create_rejects_malformed_values(string option, string value)
    {
        var line = FullCreate.Replace(option + " " + ValueIn(FullCreate, option), option + " " + value, StringComparison.Ordinal);

        Assert.Single(ParseErrors(line));
    }

    /// <summary>The token after <paramref name="option"/> (quoted values included).</summary>
    private static string ValueIn(string commandLine, string option)
    {
        var rest = commandLine[(commandLine.IndexOf(option + " ", StringComparison.Ordinal) + option.Length + 1)..];
        return rest.StartsWith('"') ? rest[..(rest.IndexOf('"', 1) + 1)] : rest.Split(' ')[0];
    }

    [Fact]
    public void Update_of_top_level_fields_needs_no_read_and_masks_only_them()
    {
        var (command, result) = Parse<ListingsCommands.UpdateCommand>($"listings update {ListingId} --description New --title \"New title\" --sector energy");

        Assert.False(command.NeedsCurrentListing(result));
        var request = command.BuildRequest(result, current: null);

        Assert.Equal(ListingName, request.Listing.Name);
        Assert.Equal(["title", "description", "sector"], request.UpdateMask.Paths);
        Assert.Equal("New title", request.Listing.Title);
        Assert.Equal("New", request.Listing.Description);
        Assert.Equal(Sector.Energy, request.Listing.Sector);
        Assert.Null(request.Listing.Price);
        Assert.Null(request.Listing.Declaration);
        Assert.Equal("", request.Listing.Etag);
    }

    [Fact]
    public void Update_of_price_alone_keeps_the_current_currency()
    {
        var (command, result) = Parse<ListingsCommands.UpdateCommand>($"listings update {ListingName} --price 2500 --etag 7 --request-id u1");

        Assert.True(command.NeedsCurrentListing(result));
        var request = command.BuildRequest(result, Current());

        Assert.Equal(["price"], request.UpdateMask.Paths);
        Assert.Equal(new Money { CurrencyCode = "CNY", AmountMinor = 2500 }, request.Listing.Price);
        Assert.Equal("7", request.Listing.Etag);
        Assert.Equal("u1", request.RequestId);
    }

    [Fact]
    public void Update_of_one_licence_field_sends_the_merged_licence()
    {
        var (command, result) = Parse<ListingsCommands.UpdateCommand>($"listings update {ListingId} --term-days 730 --exclusive false");

        var request = command.BuildRequest(result, Current());

        Assert.Equal(["licence"], request.UpdateMask.Paths);
        Assert.Equal(new LicenceTerms { Purpose = "Old purpose", TermDays = 730, Exclusive = false, Territory = Territory.MainlandChina },
            request.Listing.Licence);
    }

    [Fact]
    public void Update_of_the_declaration_merges_and_replaces_categories()
    {
        var current = Current();
        var (command, result) = Parse<ListingsCommands.UpdateCommand>(
            $"listings update {ListingId} --data-level core --location-city Shenzhen --category a --category b");

        var request = command.BuildRequest(result, current);

        Assert.Equal(["declaration"], request.UpdateMask.Paths);
        var declaration = request.Listing.Declaration;
        Assert.Equal(DataLevel.Core, declaration.DataLevel);
        Assert.Equal(new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" }, declaration.Location);
        Assert.Equal(["a", "b"], declaration.Categories);
        Assert.Equal(500, declaration.Individuals);
        // The merge works on a copy: the listing that was read stays as it was.
        Assert.Equal(["old-category"], current.Declaration.Categories);
        Assert.Equal("Guangzhou", current.Declaration.Location.City);
    }

    [Fact]
    public void Update_of_the_declaration_never_sends_the_place_names_the_server_gave_and_a_new_city_drops_the_old_code()
    {
        var current = Current();
        current.Declaration.Location = new Jurisdiction { Region = Region.MainlandChina, City = "Guangzhou", Code = "440100", ChineseName = "广州市" };

        var (levelOnly, levelResult) = Parse<ListingsCommands.UpdateCommand>($"listings update {ListingId} --data-level important");
        Assert.Equal(new Jurisdiction { Region = Region.MainlandChina, City = "Guangzhou", Code = "440100" }, levelOnly.BuildRequest(levelResult, current).Listing.Declaration.Location);

        var (moved, movedResult) = Parse<ListingsCommands.UpdateCommand>($"listings update {ListingId} --location-city Shenzhen");
        Assert.Equal(new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" }, moved.BuildRequest(movedResult, current).Listing.Declaration.Location);
        Assert.Equal("广州市", current.Declaration.Location.ChineseName); // the listing read stays as it was
    }

    [Fact]
    public void Update_with_a_bare_category_option_clears_the_categories()
    {
        var (command, result) = Parse<ListingsCommands.UpdateCommand>($"listings update {ListingId} --category");

        var request = command.BuildRequest(result, Current());

        Assert.Equal(["declaration"], request.UpdateMask.Paths);
        Assert.Empty(request.Listing.Declaration.Categories);
    }

    [Fact]
    public void Update_turning_personal_information_off_clears_the_counts()
    {
        var (command, result) = Parse<ListingsCommands.UpdateCommand>($"listings update {ListingId} --personal-information false");

        var declaration = command.BuildRequest(result, Current()).Listing.Declaration;

        Assert.False(declaration.ContainsPersonalInformation);
        Assert.Equal(0, declaration.Individuals);
        Assert.Equal(0, declaration.SensitiveIndividuals);
    }

    [Fact]
    public void Update_mask_follows_the_api_order_whatever_the_option_order()
    {
        var (command, result) = Parse<ListingsCommands.UpdateCommand>(
            $"listings update {ListingId} --territory global --currency usd --delivery api --data-level core --sector other --description d --title t");

        var request = command.BuildRequest(result, Current());

        Assert.Equal(["title", "description", "sector", "declaration", "delivery_method", "price", "licence"], request.UpdateMask.Paths);
        Assert.Equal(new Money { CurrencyCode = "USD", AmountMinor = 1000 }, request.Listing.Price);
    }

    [Fact]
    public void Update_without_changes_is_refused_rather_than_sending_an_empty_mask()
    {
        // An empty update_mask means "all fields" to the API and would blank the listing.
        var (command, result) = Parse<ListingsCommands.UpdateCommand>($"listings update {ListingId} --etag 3");

        var error = Assert.Throws<CliException>(() => command.BuildRequest(result, Current()));
        Assert.Contains("Nothing to update", error.Message);
    }

    [Fact]
    public void Update_rejects_a_name_of_another_collection()
    {
        var (command, result) = Parse<ListingsCommands.UpdateCommand>($"listings update {ParticipantName} --title t");

        Assert.Throws<CliException>(() => command.BuildRequest(result, null));
    }

    [Fact]
    public void Review_maps_decision_reason_and_repeated_evidence()
    {
        var (command, result) = Parse<ListingsCommands.ReviewCommand>(
            $"listings review {ListingId} --decision return --reason \"Missing PI assessment\" --evidence R-1 --evidence R-2 --etag 4 --request-id rv");

        var request = command.BuildRequest(result);

        Assert.Equal(new ReviewListingRequest
        {
            Name = ListingName,
            Decision = ReviewDecision.Return,
            Reason = "Missing PI assessment",
            Evidence = { "R-1", "R-2" },
            Etag = "4",
            RequestId = "rv",
        }, request);
    }

    [Fact]
    public void Review_takes_the_explicit_decision_that_lists_core_data()
    {
        var (command, result) = Parse<ListingsCommands.ReviewCommand>(
            $"listings review {ListingId} --decision approve --approve-core-data --reason \"GD-CORE-2025-001\"");

        var request = command.BuildRequest(result);

        Assert.True(request.ApproveCoreData);
        Assert.Equal(ReviewDecision.Approve, request.Decision);
    }

    [Fact]
    public void Review_requires_a_decision() =>
        Assert.NotEmpty(ParseErrors($"listings review {ListingId}"));

    [Fact]
    public void Suspend_carries_reason_etag_and_request_id()
    {
        var (command, result) = Parse<ListingsCommands.TransitionCommand<SuspendListingRequest>>(
            $"listings suspend {ListingId} --reason \"Complaint under review\" --etag 9 --request-id s1");

        Assert.Equal(new SuspendListingRequest { Name = ListingName, Reason = "Complaint under review", Etag = "9", RequestId = "s1" },
            command.BuildRequest(result));
    }

    [Fact]
    public void Submit_resume_and_delist_build_their_requests()
    {
        var (submit, submitResult) = Parse<ListingsCommands.TransitionCommand<SubmitListingRequest>>($"listings submit {ListingId}");
        var (resume, resumeResult) = Parse<ListingsCommands.TransitionCommand<ResumeListingRequest>>($"listings resume {ListingId} --reason ok");
        var (delist, delistResult) = Parse<ListingsCommands.TransitionCommand<DelistListingRequest>>($"listings delist {ListingName}");

        var submitted = submit.BuildRequest(submitResult);
        Assert.Equal(ListingName, submitted.Name);
        AssertUuidV7(submitted.RequestId);
        Assert.Equal("ok", resume.BuildRequest(resumeResult).Reason);
        Assert.Equal(ListingName, delist.BuildRequest(delistResult).Name);
    }

    [Fact]
    public void Publish_has_no_reason_because_the_api_has_none() =>
        Assert.NotEmpty(ParseErrors($"listings publish {ListingId} --reason why"));

    [Fact]
    public void List_maps_filters_and_the_resolved_vendor()
    {
        var (command, result) = Parse<ListingsCommands.ListCommand>(
            "listings list --vendor Acme --state listed --sector healthcare --region macao --search scores --page-size 10");

        var request = command.BuildRequest(result, ParticipantName);

        Assert.Equal(new ListListingsRequest
        {
            Vendor = ParticipantName,
            State = ListingState.Listed,
            Sector = Sector.Healthcare,
            Region = Region.Macao,
            TitleContains = "scores",
            PageSize = 10,
        }, request);
    }

    [Fact]
    public void Show_and_history_accept_a_bare_uuid()
    {
        var (show, showResult) = Parse<ListingsCommands.ShowCommand>($"listings show {ListingId}");
        var (history, historyResult) = Parse<ListingsCommands.HistoryCommand>($"listings history {ListingId}");

        Assert.Equal(ListingName, show.BuildRequest(showResult).Name);
        Assert.Equal(ListingName, history.BuildRequest(historyResult).Name);
    }
}

public sealed class ListingHistoryTests
{
    private const string Vendor = "participants/0199b0a4-aaaa-7bbb-8ccc-000000000001";
    private const string Compliance = "participants/0199b0a4-aaaa-7bbb-8ccc-000000000002";

    private static ListingEvent Event(long version, string type, string actor, string dataJson, int minute) => new()
    {
        Version = version,
        EventType = type,
        Actor = actor,
        DataJson = dataJson,
        Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 1, 3, 10, minute, 0, TimeSpan.Zero)),
    };

    [Fact]
    public void History_reads_as_a_timeline_with_enum_names_and_display_names()
    {
        var names = new FakeNames(new() { [Vendor] = "Hetao Mobility Data", [Compliance] = "SZDEX Compliance" });
        var events = new[]
        {
            Event(1, "ListingDrafted", Vendor, "{\"ListingId\":\"x\",\"VendorId\":\"y\",\"Content\":{\"Sector\":3},\"By\":\"y\",\"At\":\"t\"}", 0),
            Event(2, "ListingRevised", Vendor, "{\"ListingId\":\"x\",\"Revision\":2,\"ReviewRequired\":false,\"By\":\"y\",\"At\":\"t\"}", 10),
            Event(3, "ListingSubmitted", Vendor, "{\"ListingId\":\"x\",\"Revision\":2,\"By\":\"y\",\"At\":\"t\"}", 22),
            Event(4, "ListingApproved", Compliance, "{\"ListingId\":\"x\",\"RegistrationNumber\":\"SZDEX-R-1\",\"Reason\":\"\",\"Evidence\":[\"A-42\"],\"By\":\"y\",\"At\":\"t\"}", 30),
            Event(5, "ListingDataLevelReclassified", Compliance, "{\"ListingId\":\"x\",\"Level\":2,\"EffectiveOn\":\"2025-03-01\",\"Reference\":\"N-7\",\"By\":\"y\",\"At\":\"t\"}", 40),
        };

        var lines = new DataExchange.Cli.Commands.TimelineBlock("History", DataExchange.Cli.Commands.ListingTimeline.Entries(events, names)).Lines(100);

        Assert.Equal(
        [
            "History",
            "2025-01-03 10:00  DRAFTED by Hetao Mobility Data (rev 1)",
            "2025-01-03 10:10  REVISED by Hetao Mobility Data (rev 2)",
            "2025-01-03 10:22  SUBMITTED by Hetao Mobility Data (rev 2)",
            "2025-01-03 10:30  APPROVED by SZDEX Compliance (rev 2), registration SZDEX-R-1; evidence A-42",
            "2025-01-03 10:40  RECLASSIFIED as important data from 2025-03-01 by SZDEX Compliance (notice N-7)",
        ], lines);
        Assert.DoesNotContain(lines, l => l.Contains('{', StringComparison.Ordinal));
    }
}

/// <summary>Display names from a dictionary; bare UUIDs for the rest.</summary>
internal sealed class FakeNames(Dictionary<string, string> known) : IDisplayNames
{
    public string Participant(string name) => known.GetValueOrDefault(name) ?? Names.BareId(name);

    public string Listing(string name) => known.GetValueOrDefault(name) ?? Names.BareId(name);
}
