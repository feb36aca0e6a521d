using DataExchange.Contracts.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace DataExchange.Bench;

/// <summary>A buyer of the load: its own participant, token and region.</summary>
public sealed record Buyer(string Name, Metadata Auth, bool HongKong);

/// <summary>
/// The market the load trades in, built through the public API exactly as people would (TradeWorld in the server
/// tests does the same): Shenzhen vendors, each with non-exclusive listed products of three kinds, a compliance
/// officer, a recorded standard contract for the personal-information listings, and buyers in Hong Kong and the
/// mainland. Cross-border trades are lawful: HK buyers take either the no-PI listings (row 7, exempt) or the PI
/// listings (small-volume exemption, then the recorded standard contract above 100,000 individuals a year).
/// </summary>
public sealed class World
{
    private readonly GrpcChannel[] channels;

    public required IReadOnlyList<Buyer> Buyers { get; init; }

    public required IReadOnlyList<Listing> DomesticOnly { get; init; }

    public required IReadOnlyList<Listing> NoPersonalInformation { get; init; }

    public required IReadOnlyList<Listing> PersonalInformationWithContract { get; init; }

    public IEnumerable<Listing> All => DomesticOnly.Concat(NoPersonalInformation).Concat(PersonalInformationWithContract);

    private World(GrpcChannel[] channels) => this.channels = channels;

    /// <summary>Several HTTP/2 connections: one channel per <paramref name="clientsPerChannel"/> clients.</summary>
    public static GrpcChannel[] Channels(string address, int clients, int clientsPerChannel) =>
        [.. Enumerable.Range(0, (clients + clientsPerChannel - 1) / clientsPerChannel).Select(_ => GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
        }))];

    public GrpcChannel ChannelFor(int client, int clientsPerChannel) => channels[client / clientsPerChannel % channels.Length];

    public static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    private static string Rid() => Guid.CreateVersion7().ToString();

    public static async Task<World> CreateAsync(string address, string operatorToken, int buyers, int vendors, int listingsPerVendor,
        GrpcChannel[] channels)
    {
        var channel = channels[0];
        var op = Bearer(operatorToken);
        var participants = new ParticipantService.ParticipantServiceClient(channel);

        async Task<(string Name, Metadata Auth)> NewParticipant(string display, Region region, string city, Role role)
        {
            var p = await participants.CreateParticipantAsync(new CreateParticipantRequest
            {
                RequestId = Rid(),
                Participant = new Participant
                {
                    DisplayName = display, LegalName = display + " Ltd", Roles = { role },
                    Jurisdiction = new Jurisdiction { Region = region, City = city },
                },
            }, op);
            var t = await participants.IssueApiTokenAsync(new IssueApiTokenRequest { Parent = p.Name, Label = "bench", RequestId = Rid() }, op);
            return (p.Name, Bearer(t.Secret));
        }

        var compliance = await NewParticipant("SZDEX Compliance (bench)", Region.MainlandChina, "Shenzhen", Role.ComplianceOfficer);
        var listingsClient = new ListingService.ListingServiceClient(channel);
        var approvals = new ExportApprovalService.ExportApprovalServiceClient(channel);
        var domestic = new List<Listing>();
        var noPi = new List<Listing>();
        var withContract = new List<Listing>();
        for (var v = 0; v < vendors; v++)
        {
            var vendor = await NewParticipant($"Bench Vendor {v}", Region.MainlandChina, "Shenzhen", Role.Vendor);

            async Task<Listing> Listed(string title, long individuals)
            {
                var draft = await listingsClient.CreateListingAsync(new CreateListingRequest { Listing = Sample(title, individuals), RequestId = Rid() }, vendor.Auth);
                await listingsClient.SubmitListingAsync(new SubmitListingRequest { Name = draft.Name, RequestId = Rid() }, vendor.Auth);
                await listingsClient.ReviewListingAsync(new ReviewListingRequest { Name = draft.Name, Decision = ReviewDecision.Approve, RequestId = Rid() }, compliance.Auth);
                return await listingsClient.PublishListingAsync(new PublishListingRequest { Name = draft.Name, RequestId = Rid() }, vendor.Auth);
            }

            // Three kinds per vendor; the rest of its catalogue is domestic PI listings (only mainland buyers take them).
            noPi.Add(await Listed($"Vendor {v} port congestion index (aggregate)", 0));
            var pi = await Listed($"Vendor {v} truck ETA by driver", 20);
            withContract.Add(pi);
            for (var l = 2; l < listingsPerVendor; l++)
            {
                domestic.Add(await Listed($"Vendor {v} commuter flows {l}", 20));
            }

            await approvals.RecordExportApprovalAsync(new RecordExportApprovalRequest
            {
                Parent = vendor.Name,
                RequestId = Rid(),
                Approval = new ExportApproval
                {
                    Kind = ExportMechanism.StandardContract, ReferenceNumber = $"YUE-SC-BENCH-{v}-{Guid.NewGuid():N}"[..30], Listings = { pi.Name },
                    CounterpartRegion = Region.HongKong, ValidFromDate = new() { Year = 2024, Month = 1, Day = 1 }, ValidUntilDate = new() { Year = 2099, Month = 12, Day = 31 },
                },
            }, compliance.Auth);
        }

        var buyerList = new List<Buyer>();
        for (var b = 0; b < buyers; b++)
        {
            // Alternate so any prefix (the 8-client scenario uses the first 8) is half Hong Kong, half mainland.
            var hk = b % 2 == 0;
            var p = await NewParticipant($"Bench Buyer {b}", hk ? Region.HongKong : Region.MainlandChina, hk ? "" : "Guangzhou", Role.Buyer);
            buyerList.Add(new Buyer(p.Name, p.Auth, hk));
        }

        return new World(channels)
        {
            Buyers = buyerList, DomesticOnly = domestic, NoPersonalInformation = noPi, PersonalInformationWithContract = withContract,
        };
    }

    private static Listing Sample(string title, long individuals) => new()
    {
        Title = title,
        Description = "Benchmark product.",
        Sector = Sector.Transport,
        Declaration = new DataDeclaration
        {
            DataLevel = DataLevel.General,
            ContainsPersonalInformation = individuals > 0,
            Individuals = individuals,
            SensitiveIndividuals = 0,
            Location = new Jurisdiction { Region = Region.MainlandChina, City = "Shenzhen" },
            Categories = { "logistics-eta" },
        },
        DeliveryMethod = DeliveryMethod.Api,
        Price = new Money { CurrencyCode = "CNY", AmountMinor = 1_999_00 },
        Licence = new LicenceTerms
        {
            Purpose = "route planning", TermDays = 365, Exclusive = false, OnwardTransferAllowed = false, Territory = Territory.GreaterBayArea,
        },
    };

    /// <summary>The listing a buyer takes next: mainland buyers anything; HK buyers half no-PI, half PI under contract.</summary>
    public Listing Pick(Buyer buyer, Random rng)
    {
        if (buyer.HongKong)
        {
            var pool = rng.Next(2) == 0 ? NoPersonalInformation : PersonalInformationWithContract;
            return pool[rng.Next(pool.Count)];
        }

        var n = DomesticOnly.Count + NoPersonalInformation.Count + PersonalInformationWithContract.Count;
        var i = rng.Next(n);
        if (i < DomesticOnly.Count) return DomesticOnly[i];
        i -= DomesticOnly.Count;
        return i < NoPersonalInformation.Count ? NoPersonalInformation[i] : PersonalInformationWithContract[i - NoPersonalInformation.Count];
    }

    public static Health.HealthClient HealthClient(GrpcChannel channel) => new(channel);
}
