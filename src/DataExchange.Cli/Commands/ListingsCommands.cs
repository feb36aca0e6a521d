using System.CommandLine;
using DataExchange.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;
using Spectre.Console;
using Region = DataExchange.Contracts.V1.Region;

namespace DataExchange.Cli.Commands;

/// <summary>dx listings: data products (数据产品) from draft through review to listing and delisting.</summary>
internal static class ListingsCommands
{
    public static Command Build(GlobalOptions global) => new("listings", "Data products: registration, compliance review, listing lifecycle")
    {
        new CreateCommand(global),
        new UpdateCommand(global),
        new TransitionCommand<SubmitListingRequest>(global, "submit", "Submit a draft or returned listing for registration review",
            acceptsReason: false,
            t => new SubmitListingRequest { Name = t.Name, Etag = t.Etag, RequestId = t.RequestId },
            (client, request, options) => client.SubmitListingAsync(request, options)),
        new ReviewCommand(global),
        new TransitionCommand<PublishListingRequest>(global, "publish", "List a registered product (owning vendor)",
            acceptsReason: false,
            t => new PublishListingRequest { Name = t.Name, Etag = t.Etag, RequestId = t.RequestId },
            (client, request, options) => client.PublishListingAsync(request, options)),
        new TransitionCommand<SuspendListingRequest>(global, "suspend", "Suspend trading of a listed product (compliance)",
            acceptsReason: true,
            t => new SuspendListingRequest { Name = t.Name, Reason = t.Reason, Etag = t.Etag, RequestId = t.RequestId },
            (client, request, options) => client.SuspendListingAsync(request, options)),
        new TransitionCommand<ResumeListingRequest>(global, "resume", "Resume trading of a suspended product (compliance)",
            acceptsReason: true,
            t => new ResumeListingRequest { Name = t.Name, Reason = t.Reason, Etag = t.Etag, RequestId = t.RequestId },
            (client, request, options) => client.ResumeListingAsync(request, options)),
        new TransitionCommand<DelistListingRequest>(global, "delist", "Delist a registered, listed or suspended product",
            acceptsReason: true,
            t => new DelistListingRequest { Name = t.Name, Reason = t.Reason, Etag = t.Etag, RequestId = t.RequestId },
            (client, request, options) => client.DelistListingAsync(request, options)),
        new ReclassifyCommand(global),
        new ShowCommand(global),
        new ListCommand(global),
        new HistoryCommand(global),
    };

    public static Argument<string> NameArgument() => new("LISTING") { Description = "listings/{uuid}, a bare UUID, or its title" };

    /// <summary>Shows the listing: as JSON, or with its vendor's display name read first.</summary>
    public static async Task ShowAsync(CliContext context, Listing listing)
    {
        if (!context.Output.Json)
        {
            await context.Names.LoadParticipantsAsync([listing.Vendor, .. listing.DataLevelHistory.Select(c => c.RecordedBy)]);
        }

        context.Output.Show(listing, console => Render(console, listing, context.Names));
    }

    public static void Render(IAnsiConsole console, Listing listing, IDisplayNames? names = null)
    {
        names ??= NoDisplayNames.Instance;
        var declaration = listing.Declaration ?? new DataDeclaration();
        var licence = listing.Licence ?? new LicenceTerms();
        console.Write(Output.Details($"Listing {listing.Title}",
        [
            ("Name", listing.Name),
            ("Title", listing.Title),
            ("Vendor", TradesCommands.Labelled(names.Participant(listing.Vendor), listing.Vendor)),
            ("State", EnumNames.Format(listing.State)),
            ("Revision", listing.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Registration no.", listing.RegistrationNumber),
            ("Sector", EnumNames.Format(listing.Sector)),
            ("Data level", DataLevelText(listing)),
            ("Personal info", PersonalInformation(declaration)),
            ("Data location", Formatting.Jurisdiction(declaration.Location)),
            ("Categories", string.Join(", ", declaration.Categories)),
            ("Delivery", EnumNames.Format(listing.DeliveryMethod)),
            ("Price", Formatting.Money(listing.Price)),
            ("Purpose", licence.Purpose),
            ("Term", $"{licence.TermDays} days"),
            ("Exclusive", Formatting.YesNo(licence.Exclusive)),
            ("Onward transfer", Formatting.YesNo(licence.OnwardTransferAllowed)),
            ("Territory", EnumNames.Format(licence.Territory)),
            ("Description", listing.Description),
            ("Created", Formatting.Time(listing.CreateTime)),
            ("Updated", Formatting.Time(listing.UpdateTime)),
            ("Etag", listing.Etag),
        ]));
        if (listing.DataLevelHistory.Count > 0)
        {
            console.Write(DataLevelTable(listing, names));
        }
    }

    /// <summary>The declared level, and the latest reclassified one when an authority's notice changed it.</summary>
    public static string DataLevelText(Listing listing)
    {
        var declared = EnumNames.Format((listing.Declaration ?? new DataDeclaration()).DataLevel);
        return listing.DataLevelHistory.Count == 0 || listing.DataLevel == DataLevel.Unspecified
            ? declared
            : $"{EnumNames.Format(listing.DataLevel)} (reclassified; declared {declared})";
    }

    /// <summary>The reclassifications by effective date; before the first, the declared level held.</summary>
    public static TextTable DataLevelTable(Listing listing, IDisplayNames? names = null) =>
        Output.Table(
            [
                new("Level from", CellKind.Fixed), new("Data level", CellKind.Fixed), new("Reference", CellKind.Id),
                new("Recorded by", Drop: 1), new("Recorded", CellKind.Fixed, Drop: 2),
            ],
            listing.DataLevelHistory
                .Select((c, i) => (c, i))
                .OrderBy(x => Formatting.Date(x.c.EffectiveDate), StringComparer.Ordinal).ThenBy(x => x.i)
                .Select(x => (IReadOnlyList<string>)
                [
                    Formatting.Date(x.c.EffectiveDate), EnumNames.Format(x.c.DataLevel), x.c.Reference,
                    (names ?? NoDisplayNames.Instance).Participant(x.c.RecordedBy), Formatting.Time(x.c.CreateTime),
                ]));

    public static string PersonalInformation(DataDeclaration declaration) => declaration.ContainsPersonalInformation
        ? $"yes: {declaration.Individuals:N0} individuals, {declaration.SensitiveIndividuals:N0} with sensitive information"
        : "no";

    /// <summary>
    /// The content options shared by create (most required) and update (all optional; only those given change).
    /// </summary>
    internal sealed class ContentOptions
    {
        /// <summary>update_mask paths, in the order the API lists them.</summary>
        public static readonly string[] MaskPaths = ["title", "description", "sector", "declaration", "delivery_method", "price", "licence"];

        public ContentOptions(bool forCreate)
        {
            Title = new("--title") { Description = "Product title", Required = forCreate };
            Description = new("--description") { Description = "What the data is", Required = forCreate };
            Sector = CliOptions.Enum<Sector>("--sector", "Industry sector", required: forCreate);
            DataLevel = CliOptions.Enum<DataLevel>("--data-level", "Data level under GB/T 43697-2024", required: forCreate);
            PersonalInformation = new("--personal-information") { Description = "The data contains personal information (then give --individuals)" };
            Individuals = new("--individuals") { Description = "Individuals whose personal information it holds", HelpName = "n" };
            SensitiveIndividuals = new("--sensitive-individuals") { Description = "Of those, individuals with sensitive personal information", HelpName = "n" };
            LocationRegion = CliOptions.Enum<Region>("--location-region", "Where the data is located", required: forCreate);
            LocationCity = new("--location-city") { Description = "City where the data is located, required for the mainland", HelpName = "city" };
            Categories = new("--category")
            {
                Description = "Data category such as credit-records (repeatable; on update replaces the list, '--category' alone clears it)",
                HelpName = "category",
                Arity = ArgumentArity.ZeroOrMore,
            };
            Delivery = CliOptions.Enum<DeliveryMethod>("--delivery", "How the buyer receives the data", required: forCreate);
            Price = new("--price") { Description = "Price in minor units of the currency, e.g. 1999 = CNY 19.99", HelpName = "minor-units", Required = forCreate };
            Currency = new("--currency") { Description = "ISO 4217 code: CNY, HKD, MOP, USD, EUR, GBP, SGD, JPY", HelpName = "code" };
            if (forCreate)
            {
                Currency.DefaultValueFactory = _ => "CNY";
            }

            Purpose = new("--purpose") { Description = "Licensed purpose of use", Required = forCreate };
            TermDays = new("--term-days") { Description = "Licence term in days, 1..3650", HelpName = "days", Required = forCreate };
            Exclusive = new("--exclusive") { Description = "Exclusive licence" };
            OnwardTransfer = new("--onward-transfer") { Description = "The licensee may pass the data on" };
            Territory = CliOptions.Enum<Territory>("--territory", "Where the licensee may use the data", required: forCreate);
        }

        public Option<string> Title { get; }
        public Option<string> Description { get; }
        public Option<Sector> Sector { get; }
        public Option<DataLevel> DataLevel { get; }
        public Option<bool> PersonalInformation { get; }
        public Option<long> Individuals { get; }
        public Option<long> SensitiveIndividuals { get; }
        public Option<Region> LocationRegion { get; }
        public Option<string> LocationCity { get; }
        public Option<string[]> Categories { get; }
        public Option<DeliveryMethod> Delivery { get; }
        public Option<long> Price { get; }
        public Option<string> Currency { get; }
        public Option<string> Purpose { get; }
        public Option<int> TermDays { get; }
        public Option<bool> Exclusive { get; }
        public Option<bool> OnwardTransfer { get; }
        public Option<Territory> Territory { get; }

        private Option[] DeclarationOptions =>
            [DataLevel, PersonalInformation, Individuals, SensitiveIndividuals, LocationRegion, LocationCity, Categories];

        private Option[] LicenceOptions => [Purpose, TermDays, Exclusive, OnwardTransfer, Territory];

        private Option[] PriceOptions => [Price, Currency];

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Title, Description, Sector }.Concat(DeclarationOptions)
                .Concat([Delivery]).Concat(PriceOptions).Concat(LicenceOptions))
            {
                command.Add(option);
            }
        }

        /// <summary>A whole listing from the options (create: every part is given or defaulted).</summary>
        public Listing BuildListing(ParseResult result) => new()
        {
            Title = Text(result, Title),
            Description = Text(result, Description),
            Sector = result.GetValue(Sector),
            Declaration = MergeDeclaration(result, new DataDeclaration()),
            DeliveryMethod = result.GetValue(Delivery),
            Price = MergePrice(result, new Money()),
            Licence = MergeLicence(result, new LicenceTerms()),
        };

        /// <summary>
        /// Whether the update touches part of a nested message (declaration, licence, price). The API replaces those
        /// whole, so the fields not given must be filled in from the current listing.
        /// </summary>
        public bool NeedsCurrentListing(ParseResult result) =>
            DeclarationOptions.Concat(LicenceOptions).Concat(PriceOptions).Any(o => CliOptions.IsGiven(result, o));

        /// <summary>
        /// The update request: only the options given go into the listing and update_mask. <paramref name="current"/>
        /// is required when <see cref="NeedsCurrentListing"/> is true.
        /// </summary>
        public UpdateListingRequest BuildUpdate(ParseResult result, string name, string etag, string requestId, Listing? current)
        {
            bool Given(params Option[] options) => options.Any(o => CliOptions.IsGiven(result, o));
            Listing Current() => current ?? throw new InvalidOperationException("The current listing is needed to merge nested fields.");

            var listing = new Listing { Name = name, Etag = etag };
            var paths = new HashSet<string>(StringComparer.Ordinal);
            if (Given(Title))
            {
                listing.Title = Text(result, Title);
                paths.Add("title");
            }

            if (Given(Description))
            {
                listing.Description = Text(result, Description);
                paths.Add("description");
            }

            if (Given(Sector))
            {
                listing.Sector = result.GetValue(Sector);
                paths.Add("sector");
            }

            if (Given(DeclarationOptions))
            {
                listing.Declaration = MergeDeclaration(result, Current().Declaration?.Clone() ?? new DataDeclaration());
                paths.Add("declaration");
            }

            if (Given(Delivery))
            {
                listing.DeliveryMethod = result.GetValue(Delivery);
                paths.Add("delivery_method");
            }

            if (Given(PriceOptions))
            {
                listing.Price = MergePrice(result, Current().Price?.Clone() ?? new Money());
                paths.Add("price");
            }

            if (Given(LicenceOptions))
            {
                listing.Licence = MergeLicence(result, Current().Licence?.Clone() ?? new LicenceTerms());
                paths.Add("licence");
            }

            // An empty mask means "replace everything" to the API; never send one by accident.
            if (paths.Count == 0)
            {
                throw new CliException("Nothing to update: give at least one content option, for example --title or --price.");
            }

            var request = new UpdateListingRequest { Listing = listing, RequestId = requestId, UpdateMask = new() };
            request.UpdateMask.Paths.AddRange(MaskPaths.Where(paths.Contains));
            return request;
        }

        private DataDeclaration MergeDeclaration(ParseResult result, DataDeclaration declaration)
        {
            if (CliOptions.IsGiven(result, DataLevel))
            {
                declaration.DataLevel = result.GetValue(DataLevel);
            }

            if (CliOptions.IsGiven(result, PersonalInformation))
            {
                declaration.ContainsPersonalInformation = result.GetValue(PersonalInformation);
                // Without personal information the counts must be 0; clear them unless given explicitly.
                if (!declaration.ContainsPersonalInformation)
                {
                    declaration.Individuals = 0;
                    declaration.SensitiveIndividuals = 0;
                }
            }

            if (CliOptions.IsGiven(result, Individuals))
            {
                declaration.Individuals = result.GetValue(Individuals);
            }

            if (CliOptions.IsGiven(result, SensitiveIndividuals))
            {
                declaration.SensitiveIndividuals = result.GetValue(SensitiveIndividuals);
            }

            if (declaration.Location is { } read)
            {
                read.ChineseName = ""; // output only: the server names the place, and refuses a request that does
            }

            if (CliOptions.IsGiven(result, LocationRegion) || CliOptions.IsGiven(result, LocationCity))
            {
                // A new place by region and city: the code read with the old one would win over them, so it goes.
                var current = declaration.Location ?? new Jurisdiction();
                declaration.Location = new Jurisdiction
                {
                    Region = CliOptions.IsGiven(result, LocationRegion) ? result.GetValue(LocationRegion) : current.Region,
                    City = CliOptions.IsGiven(result, LocationCity) ? Text(result, LocationCity) : current.City,
                };
            }

            if (CliOptions.IsGiven(result, Categories))
            {
                declaration.Categories.Clear();
                declaration.Categories.AddRange((result.GetValue(Categories) ?? []).Select(c => c.Trim()));
            }

            return declaration;
        }

        private Money MergePrice(ParseResult result, Money price)
        {
            if (CliOptions.IsGiven(result, Price))
            {
                price.AmountMinor = result.GetValue(Price);
            }

            // GetValue also yields create's default (CNY) when --currency was not typed.
            if (result.GetValue(Currency) is { Length: > 0 } currency)
            {
                price.CurrencyCode = currency.Trim().ToUpperInvariant();
            }

            return price;
        }

        private LicenceTerms MergeLicence(ParseResult result, LicenceTerms licence)
        {
            if (CliOptions.IsGiven(result, Purpose))
            {
                licence.Purpose = Text(result, Purpose);
            }

            if (CliOptions.IsGiven(result, TermDays))
            {
                licence.TermDays = result.GetValue(TermDays);
            }

            if (CliOptions.IsGiven(result, Exclusive))
            {
                licence.Exclusive = result.GetValue(Exclusive);
            }

            if (CliOptions.IsGiven(result, OnwardTransfer))
            {
                licence.OnwardTransferAllowed = result.GetValue(OnwardTransfer);
            }

            if (CliOptions.IsGiven(result, Territory))
            {
                licence.Territory = result.GetValue(Territory);
            }

            return licence;
        }

        private static string Text(ParseResult result, Option<string> option) => result.GetValue(option)?.Trim() ?? "";
    }

    internal sealed class CreateCommand : Command
    {
        private readonly ContentOptions content = new(forCreate: true);
        private readonly Option<string> requestId = CliOptions.RequestId();

        public CreateCommand(GlobalOptions global)
            : base("create", "Create a draft listing (vendors)")
        {
            content.AddTo(this);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var request = BuildRequest(result);
                context.RequestId = request.RequestId;
                var listing = await context.Listings.CreateListingAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, listing);
                return ExitCodes.Success;
            }));
        }

        public CreateListingRequest BuildRequest(ParseResult result) => new()
        {
            Listing = content.BuildListing(result),
            RequestId = CliOptions.RequestIdOrNew(result, requestId),
        };
    }

    internal sealed class UpdateCommand : Command
    {
        private readonly Argument<string> name = NameArgument();
        private readonly ContentOptions content = new(forCreate: false);
        private readonly Option<string> etag = new("--etag")
        {
            // Not taken from the listing read for merging: a retry with the same --request-id must send the same request.
            Description = "Only apply if the listing is still at this etag (recommended when changing part of declaration/licence/price)",
        };

        private readonly Option<string> requestId = CliOptions.RequestId();

        public UpdateCommand(GlobalOptions global)
            : base("update", "Change a listing; only the options given are changed (update_mask)")
        {
            Add(name);
            content.AddTo(this);
            Add(etag);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var listingName = await context.Names.ResolveListingAsync(result.GetRequiredValue(name));
                var current = content.NeedsCurrentListing(result)
                    ? await context.Listings.GetListingAsync(new GetListingRequest { Name = listingName }, context.Call(cancellationToken))
                    : null;
                var request = BuildRequest(result, current, listingName);
                context.RequestId = request.RequestId;
                var listing = await context.Listings.UpdateListingAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, listing);
                return ExitCodes.Success;
            }));
        }

        public bool NeedsCurrentListing(ParseResult result) => content.NeedsCurrentListing(result);

        public UpdateListingRequest BuildRequest(ParseResult result, Listing? current, string? resolved = null) => content.BuildUpdate(result,
            resolved ?? ResourceNames.Normalize(result.GetRequiredValue(name), ResourceNames.Listings),
            result.GetValue(etag)?.Trim() ?? "",
            CliOptions.RequestIdOrNew(result, requestId),
            current);
    }

    /// <summary>What every lifecycle change carries.</summary>
    internal sealed record Transition(string Name, string Reason, string Etag, string RequestId);

    /// <summary>submit, publish, suspend, resume, delist: a name, optionally a reason, and the concurrency/idempotency options.</summary>
    internal sealed class TransitionCommand<TRequest> : Command where TRequest : IMessage
    {
        private readonly Argument<string> name = NameArgument();
        private readonly Option<string>? reason;
        private readonly Option<string> etag = CliOptions.Etag();
        private readonly Option<string> requestId = CliOptions.RequestId();
        private readonly Func<Transition, TRequest> build;

        public TransitionCommand(GlobalOptions global, string commandName, string description, bool acceptsReason,
            Func<Transition, TRequest> build,
            Func<ListingService.ListingServiceClient, TRequest, CallOptions, AsyncUnaryCall<Listing>> call)
            : base(commandName, description)
        {
            this.build = build;
            Add(name);
            if (acceptsReason)
            {
                reason = CliOptions.Reason();
                Add(reason);
            }

            Add(etag);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                // Read once, so the request and the retry hint carry the same generated request id.
                var transition = ReadTransition(result, await context.Names.ResolveListingAsync(result.GetRequiredValue(name)));
                context.RequestId = transition.RequestId;
                var listing = await call(context.Listings, build(transition), context.Call(cancellationToken));
                await ShowAsync(context, listing);
                return ExitCodes.Success;
            }));
        }

        public TRequest BuildRequest(ParseResult result) => build(ReadTransition(result));

        private Transition ReadTransition(ParseResult result, string? resolved = null) => new(
            resolved ?? ResourceNames.Normalize(result.GetRequiredValue(name), ResourceNames.Listings),
            reason is null ? "" : result.GetValue(reason)?.Trim() ?? "",
            result.GetValue(etag)?.Trim() ?? "",
            CliOptions.RequestIdOrNew(result, requestId));
    }

    internal sealed class ReviewCommand : Command
    {
        private readonly Argument<string> name = NameArgument();
        private readonly Option<ReviewDecision> decision = CliOptions.Enum<ReviewDecision>("--decision", "Review outcome", required: true);
        private readonly Option<string> reason = CliOptions.Reason("Why; required for return and reject");
        private readonly Option<string[]> evidence = new("--evidence")
        {
            Description = "Evidence reference, for example an assessor's report number (repeatable)",
            HelpName = "ref",
        };

        private readonly Option<bool> approveCoreData = new("--approve-core-data")
        {
            Description = "With approve, for core data (核心数据): the explicit decision to list it for domestic trade (give the grounds as --reason); its export stays prohibited",
        };

        private readonly Option<string> etag = CliOptions.Etag();
        private readonly Option<string> requestId = CliOptions.RequestId();

        public ReviewCommand(GlobalOptions global)
            : base("review", "Compliance review: approve (registered), return for changes, or reject (compliance)")
        {
            Add(name);
            Add(decision);
            Add(reason);
            Add(evidence);
            Add(approveCoreData);
            Add(etag);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var request = BuildRequest(result, await context.Names.ResolveListingAsync(result.GetRequiredValue(name)));
                context.RequestId = request.RequestId;
                var listing = await context.Listings.ReviewListingAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, listing);
                return ExitCodes.Success;
            }));
        }

        public ReviewListingRequest BuildRequest(ParseResult result, string? resolved = null) => new()
        {
            Name = resolved ?? ResourceNames.Normalize(result.GetRequiredValue(name), ResourceNames.Listings),
            Decision = result.GetValue(decision),
            Reason = result.GetValue(reason)?.Trim() ?? "",
            Evidence = { (result.GetValue(evidence) ?? []).Select(e => e.Trim()) },
            ApproveCoreData = result.GetValue(approveCoreData),
            Etag = result.GetValue(etag)?.Trim() ?? "",
            RequestId = CliOptions.RequestIdOrNew(result, requestId),
        };
    }

    /// <summary>
    /// dx listings reclassify: an authority's notice classifies the product's data from --effective-date on (compliance).
    /// Core data does not trade: a listed product that is core from today on is also suspended.
    /// </summary>
    internal sealed class ReclassifyCommand : Command
    {
        private readonly Argument<string> name = NameArgument();
        private readonly Option<DataLevel> dataLevel = CliOptions.Enum<DataLevel>("--data-level", "The level the notice gives the data", required: true);

        private readonly Option<DateOnly> effectiveDate = CliOptions.Date("--effective-date",
            "The day the level takes effect; trades are judged by the level in force on their contract date", required: true);

        private readonly Option<string> reference = new("--reference")
        {
            Description = "The notice's number", HelpName = "ref", Required = true,
        };

        private readonly Option<string> etag = CliOptions.Etag();
        private readonly Option<string> requestId = CliOptions.RequestId();

        public ReclassifyCommand(GlobalOptions global)
            : base("reclassify", "Record an authority's classification of the product's data from a date on (compliance)")
        {
            Add(name);
            Add(dataLevel);
            Add(effectiveDate);
            Add(reference);
            Add(etag);
            Add(requestId);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var request = BuildRequest(result, await context.Names.ResolveListingAsync(result.GetRequiredValue(name)));
                context.RequestId = request.RequestId;
                var listing = await context.Listings.ReclassifyListingAsync(request, context.Call(cancellationToken));
                await ShowAsync(context, listing);
                return ExitCodes.Success;
            }));
        }

        public ReclassifyListingRequest BuildRequest(ParseResult result, string? resolved = null) => new()
        {
            Name = resolved ?? ResourceNames.Normalize(result.GetRequiredValue(name), ResourceNames.Listings),
            DataLevel = result.GetValue(dataLevel),
            EffectiveDate = Formatting.ProtoDate(result.GetValue(effectiveDate)),
            Reference = result.GetValue(reference)?.Trim() ?? "",
            Etag = result.GetValue(etag)?.Trim() ?? "",
            RequestId = CliOptions.RequestIdOrNew(result, requestId),
        };
    }

    internal sealed class ShowCommand : Command
    {
        private readonly Argument<string> name = NameArgument();

        public ShowCommand(GlobalOptions global)
            : base("show", "Show one listing")
        {
            Add(name);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var listing = await context.Listings.GetListingAsync(BuildRequest(result, await context.Names.ResolveListingAsync(result.GetRequiredValue(name))),
                    context.Call(cancellationToken));
                await ShowAsync(context, listing);
                return ExitCodes.Success;
            }));
        }

        public GetListingRequest BuildRequest(ParseResult result, string? resolved = null) =>
            new() { Name = resolved ?? ResourceNames.Normalize(result.GetRequiredValue(name), ResourceNames.Listings) };
    }

    internal sealed class ListCommand : Command
    {
        private readonly Option<string> vendor = new("--vendor")
        {
            Description = "Only this vendor's listings: participants/{uuid}, a bare UUID, or a display name",
        };

        private readonly Option<ListingState> state = CliOptions.Enum<ListingState>("--state", "Only listings in this state");
        private readonly Option<Sector> sector = CliOptions.Enum<Sector>("--sector", "Only this sector");
        private readonly Option<Region> region = CliOptions.Enum<Region>("--region", "Only data located in this region");
        private readonly Option<string> search = new("--search") { Description = "Case-insensitive substring of the title", HelpName = "text" };
        private readonly PagingOptions paging = new();

        public ListCommand(GlobalOptions global)
            : base("list", "List listings (other vendors' unpublished listings are not shown)")
        {
            Add(vendor);
            Add(state);
            Add(sector);
            Add(region);
            Add(search);
            paging.AddTo(this);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var vendorName = result.GetValue(vendor) is { Length: > 0 } given
                    ? await ParticipantsCommands.ResolveAsync(context, given, cancellationToken)
                    : "";
                var response = await paging.FetchAsync(result,
                    (pageSize, pageToken) =>
                    {
                        var request = BuildRequest(result, vendorName);
                        request.PageSize = pageSize;
                        request.PageToken = pageToken;
                        return context.Listings.ListListingsAsync(request, context.Call(cancellationToken)).ResponseAsync;
                    },
                    page => page.NextPageToken,
                    (all, page) =>
                    {
                        all.Listings.Add(page.Listings);
                        all.NextPageToken = page.NextPageToken;
                    });
                if (!context.Output.Json)
                {
                    await context.Names.LoadParticipantsAsync(response.Listings.Select(l => l.Vendor));
                }

                context.Output.Show(response, console =>
                {
                    console.Write(Table(response.Listings, context.Names));
                    if (response.NextPageToken.Length > 0)
                    {
                        console.Write(Output.NextPageHint(response.NextPageToken));
                        console.WriteLine();
                    }
                });
                return ExitCodes.Success;
            }));
        }

        /// <summary>
        /// One row per listing: its UUID (what every command accepts), title, state and price first; the vendor's display
        /// name, sector, level and revision go when the terminal is narrow.
        /// </summary>
        public static TextTable Table(IEnumerable<Listing> listings, IDisplayNames names) => Output.Table(
            [
                new("Id", CellKind.Id), new("Title"), new("State", CellKind.Fixed), new("Price", CellKind.Fixed, Drop: 1),
                new("Vendor", Drop: 2), new("Sector", CellKind.Fixed, Drop: 4), new("Level", CellKind.Fixed, Drop: 3), new("Rev.", CellKind.Fixed, Drop: 5),
            ],
            listings.Select(l => (IReadOnlyList<string>)
            [
                Names.BareId(l.Name), l.Title, EnumNames.Format(l.State), Formatting.Money(l.Price), names.Participant(l.Vendor),
                EnumNames.Format(l.Sector), EnumNames.Format(l.Declaration?.DataLevel ?? DataLevel.Unspecified),
                l.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ]));

        public ListListingsRequest BuildRequest(ParseResult result, string vendorName) => new()
        {
            Vendor = vendorName,
            State = result.GetValue(state),
            Sector = result.GetValue(sector),
            Region = result.GetValue(region),
            TitleContains = result.GetValue(search)?.Trim() ?? "",
            PageSize = result.GetValue(paging.PageSize),
            PageToken = result.GetValue(paging.PageToken) ?? "",
        };
    }

    internal sealed class HistoryCommand : Command
    {
        private readonly Argument<string> name = NameArgument();

        public HistoryCommand(GlobalOptions global)
            : base("history", "The listing's events, oldest first (all pages)")
        {
            Add(name);
            SetAction((result, cancellationToken) => CliContext.RunAsync(result, global, cancellationToken, async context =>
            {
                var request = BuildRequest(result, await context.Names.ResolveListingAsync(result.GetRequiredValue(name)));
                var history = new ListListingHistoryResponse();
                do
                {
                    var page = await context.Listings.ListListingHistoryAsync(request, context.Call(cancellationToken));
                    history.Events.Add(page.Events);
                    request.PageToken = page.NextPageToken;
                }
                while (request.PageToken.Length > 0);

                if (!context.Output.Json)
                {
                    await context.Names.LoadParticipantsAsync(history.Events.Select(e => e.Actor));
                }

                context.Output.Show(history, console => console.Write(new TimelineBlock(
                    $"History of listing {Names.BareId(request.Name)} (times in UTC)", ListingTimeline.Entries(history.Events, context.Names))));
                return ExitCodes.Success;
            }));
        }

        public ListListingHistoryRequest BuildRequest(ParseResult result, string? resolved = null) =>
            new() { Name = resolved ?? ResourceNames.Normalize(result.GetRequiredValue(name), ResourceNames.Listings), PageSize = 200 };
    }
}
