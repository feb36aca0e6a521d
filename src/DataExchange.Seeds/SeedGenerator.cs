using System.Globalization;
using DataExchange.Compliance;
using static DataExchange.Seeds.SeedCatalogue;

namespace DataExchange.Seeds;

/// <summary>
/// Generates seeds/exchange-2022.json: the exchange's first year (2021-12-01 … 2022-11-15) reproducing the figures
/// reported at the opening — 415 filed trades worth ¥11.07 亿, 14 of them cross-border worth ¥11.15 m.
/// Deterministic: a fixed-seed SplitMix64, integer arithmetic only, no clock, no Guid.NewGuid. The cross-border
/// trades, their approvals and the refused attempts are written out by hand (each must be lawful or refused for a
/// stated reason); the domestic background is drawn at random and its largest deals absorb the exact total.
/// </summary>
public static class SeedGenerator
{
    public const ulong RandomSeed = 20_221_115;
    public const int FiledTrades = 415;
    public const long TotalValueMinor = 110_700_000_000;
    public const int CrossBorderTrades = 14;
    public const long CrossBorderValueMinor = 1_115_000_000;

    public static SeedDataSet Generate() => new Builder(new SeedRandom(RandomSeed)).Build();

    public static string GenerateJson() => SeedFormat.Serialize(Generate());

    private sealed record TradeDraft(
        string Listing,
        string Buyer,
        long AmountMinor,
        DateOnly Date,
        string Outcome,
        SeedCancelledBy? CancelledBy = null,
        string? CancellationReason = null,
        string? Note = null);

    private sealed class Builder(SeedRandom random)
    {
        private static readonly DateOnly Start = SeedValidator.FirstTradeDate;
        private const int Days = 350; // 2021-12-01 … 2022-11-15 inclusive

        // Domestic background: counts per tier (the XL tier absorbs the exact total).
        private const int ExtraLargeDeals = 12;
        private const int LargeDeals = 28;
        private const int MediumDeals = 120;

        private const string ListingDesk = "p-compliance-listing-review";
        private const string CrossBorderDesk = "p-compliance-cross-border";
        private const string FilingDesk = "p-compliance-trade-filing";

        private readonly List<SeedParticipant> participants = [];
        private readonly List<SeedListing> listings = [];
        private readonly List<SeedApproval> approvals = [];
        private readonly List<TradeDraft> drafts = [];
        private readonly Dictionary<string, SeedSector> vendorSectors = new(StringComparer.Ordinal);
        private int evidenceCounter = 100;

        public SeedDataSet Build()
        {
            AddStaff();
            AddCrossBorderParties();
            AddGeneratedParticipants();
            AddSpecialListings();
            AddGeneratedListings();
            AddApprovals();
            AddCrossBorderTrades();
            AddRefusedAttempts();
            AddDomesticTrades();
            var trades = Number(drafts);
            var filed = trades.Where(SeedIndex.CountsAsFiled).ToList();
            var index = new SeedIndex(new SeedDataSet(SeedFormat.Current, "", "", null!, participants, listings, approvals, trades));
            var crossBorder = filed.Where(index.IsCrossBorder).ToList();
            var headline = new SeedHeadline(
                filed.Count, filed.Sum(t => t.Amount.AmountMinor), "CNY",
                crossBorder.Count, crossBorder.Sum(t => t.Amount.AmountMinor),
                filed.Min(t => t.ContractDate), filed.Max(t => t.ContractDate),
                "Shenzhen Data Exchange at its opening on 2022-11-15: 415 registered/filed trades worth over ¥1.1 bn (¥11.07 亿), " +
                "including 14 cross-border trades worth ¥11.15 m; 484 market entities; 600+ products (China Fund News interview with the SZDEX chairman; nfa5.com).");
            return new SeedDataSet(
                SeedFormat.Current,
                "exchange-2022",
                "A representative, fictitious first year of a Shenzhen cross-border data exchange (trial trading from December 2021 to the opening on 2022-11-15). " +
                "Headline figures match the published ones; every company, product, approval and amount is invented.",
                headline,
                participants,
                listings,
                approvals,
                trades);
        }

        // ---------------------------------------------------------------- participants

        private void AddStaff()
        {
            Add("p-compliance-listing-review", "Exchange Compliance - Listing Review", "交易所合规部（挂牌审核）",
                "Exchange Compliance Department, Listing Review Desk", "交易所合规部挂牌审核岗", [SeedRole.ComplianceOfficer], "Shenzhen", "Futian");
            Add("p-compliance-cross-border", "Exchange Compliance - Cross-Border Desk", "交易所合规部（跨境专席）",
                "Exchange Compliance Department, Cross-Border Desk", "交易所合规部跨境合规岗", [SeedRole.ComplianceOfficer], "Shenzhen", "Futian");
            Add("p-compliance-trade-filing", "Exchange Compliance - Trade Filing", "交易所合规部（交易备案）",
                "Exchange Compliance Department, Trade Filing Desk", "交易所合规部交易备案岗", [SeedRole.ComplianceOfficer], "Shenzhen", "Futian");
            Add("p-pengcheng-audit", "Pengcheng Data Compliance Audit", "鹏城数据合规审计",
                "Shenzhen Pengcheng Data Compliance Audit Partners (General Partnership)", "深圳鹏城数据合规审计事务所（普通合伙）",
                [SeedRole.Auditor], "Shenzhen", "Futian");
        }

        private void AddCrossBorderParties()
        {
            // Mainland exporters of the cross-border trades and refused attempts.
            Add("p-hetao-mobility", "Hetao Mobility Data", "河套出行数据", "Shenzhen Hetao Mobility Data Co., Ltd.", "深圳河套出行数据有限公司",
                [SeedRole.Vendor], "Shenzhen", "Futian (Hetao Shenzhen-Hong Kong Science and Technology Innovation Cooperation Zone)");
            Add("p-xinheng-credit", "Xinheng Credit Analytics", "信衡信用数据", "Shenzhen Qianhai Xinheng Credit Analytics Co., Ltd.", "深圳前海信衡信用数据有限公司",
                [SeedRole.Vendor], "Shenzhen", "Qianhai");
            Add("p-pengtong-payments", "Pengtong Cross-Border Payments", "鹏通跨境支付", "Shenzhen Pengtong Cross-Border Payments Co., Ltd.", "深圳市鹏通跨境支付有限公司",
                [SeedRole.Vendor], "Shenzhen", "Nanshan", ciio: true);
            Add("p-shenlan-mapping", "Shenlan HD Mapping", "深岚高精测绘", "Shenzhen Shenlan HD Mapping Co., Ltd.", "深圳市深岚高精测绘有限公司",
                [SeedRole.Vendor], "Shenzhen", "Nanshan");
            Add("p-suihe-clinical", "Suihe Clinical Data", "穗禾临床数据", "Guangzhou Suihe Clinical Data Technology Co., Ltd.", "广州穗禾临床数据科技有限公司",
                [SeedRole.Vendor], "Guangzhou", "Huangpu");
            Add("p-lingnan-load", "Lingnan Load Analytics", "岭南负荷数据", "Guangzhou Lingnan Load Analytics Co., Ltd.", "广州岭南负荷数据科技有限公司",
                [SeedRole.Vendor], "Guangzhou", "Tianhe");
            Add("p-songhu-retail", "Songhu Retail Insights", "松湖零售数据", "Dongguan Songhu Retail Insights Co., Ltd.", "东莞松湖零售数据有限公司",
                [SeedRole.Vendor], "Dongguan", "Songshan Lake");
            Add("p-haowan-marine", "Haowan Marine Geoinformation", "濠湾海洋地理信息", "Zhuhai Haowan Marine Geoinformation Co., Ltd.", "珠海濠湾海洋地理信息有限公司",
                [SeedRole.Vendor], "Zhuhai", "Xiangzhou");
            Add("p-zhuao-travel", "Zhu'ao Travel Data", "珠澳文旅数据", "Zhuhai Zhu'ao Travel Data Co., Ltd.", "珠海珠澳文旅数据有限公司",
                [SeedRole.Vendor], "Zhuhai", "Hengqin");
            Add("p-rongyu-corpus", "Rongyu Language Corpus", "蓉语语料", "Chengdu Rongyu Language Corpus Technology Co., Ltd.", "成都蓉语语料科技有限公司",
                [SeedRole.Vendor], "Chengdu", "Gaoxin");

            // Hong Kong, Macao and elsewhere: buyers.
            Abroad("p-hk-harbourview-analytics", SeedRegion.HongKong, "Harbourview Analytics", "港景數據分析", "Harbourview Analytics Limited", "港景數據分析有限公司");
            Abroad("p-hk-lion-rock-bank", SeedRegion.HongKong, "Lion Rock Community Bank", "獅山社區銀行", "Lion Rock Community Bank Limited", "獅山社區銀行有限公司");
            Abroad("p-hk-kowloon-bay-research", SeedRegion.HongKong, "Kowloon Bay Health Research", "九龍灣健康研究", "Kowloon Bay Health Research Institute Limited", "九龍灣健康研究所有限公司");
            Abroad("p-hk-tsim-sha-acquiring", SeedRegion.HongKong, "Tsim Sha Merchant Acquiring", "尖沙商戶收單", "Tsim Sha Merchant Acquiring Limited", "尖沙商戶收單有限公司");
            Abroad("p-hk-victoria-peak-logistics", SeedRegion.HongKong, "Victoria Peak Logistics Intelligence", "太平山物流智能", "Victoria Peak Logistics Intelligence Limited", "太平山物流智能有限公司");
            Abroad("p-hk-sha-tin-retail", SeedRegion.HongKong, "Sha Tin Retail Analytics", "沙田零售分析", "Sha Tin Retail Analytics Limited", "沙田零售分析有限公司");
            Abroad("p-hk-tsing-yi-energy", SeedRegion.HongKong, "Tsing Yi Energy Trading", "青衣能源貿易", "Tsing Yi Energy Trading Limited", "青衣能源貿易有限公司");
            Abroad("p-hk-lantau-spatial", SeedRegion.HongKong, "Lantau Spatial", "大嶼空間", "Lantau Spatial Limited", "大嶼空間有限公司");
            Abroad("p-mo-senado-hospitality", SeedRegion.Macao, "Senado Hospitality Group", "議事亭酒店集團", "Senado Hospitality Group Limited", "議事亭酒店集團有限公司");
            Abroad("p-mo-taipa-marine", SeedRegion.Macao, "Taipa Marine Engineering", "氹仔海事工程", "Taipa Marine Engineering Limited", "氹仔海事工程有限公司");
            Abroad("p-mo-nam-van-credit", SeedRegion.Macao, "Nam Van Commercial Credit", "南灣商業信貸", "Nam Van Commercial Credit Limited", "南灣商業信貸有限公司");
            Abroad("p-sg-straits-lumen-ai", SeedRegion.Other, "Straits Lumen AI", "海峡流明人工智能", "Straits Lumen AI Pte. Ltd.", "海峡流明人工智能私人有限公司", "Singapore");
            Abroad("p-sg-marina-quay-research", SeedRegion.Other, "Marina Quay Research", "滨海码头研究", "Marina Quay Research Pte. Ltd.", "滨海码头研究私人有限公司", "Singapore");
        }

        private void AddGeneratedParticipants()
        {
            var brands = Shuffled(Brands);
            var next = 0;
            foreach (var (city, vendors, buyers, both) in GeneratedPerCity)
            {
                for (var i = 0; i < vendors + buyers + both; i++)
                {
                    var (brandEn, brandZh) = brands[next++];
                    var isVendor = i < vendors || i >= vendors + buyers;
                    var isBuyer = i >= vendors;
                    SeedSector? sector = isVendor ? city.Strengths[(i + next) % city.Strengths.Count] : null;
                    var descriptor = sector is { } s ? random.Pick(VendorDescriptors[s]) : random.Pick(BuyerDescriptors);
                    var (districtEn, _) = random.Pick(city.Districts);
                    var qianhai = districtEn == "Qianhai";
                    var id = $"p-{brandEn.ToLowerInvariant()}-{descriptor.Slug}";
                    var legalZh = qianhai ? $"深圳前海{brandZh}{descriptor.Zh}有限公司" : $"{city.Prefix}{brandZh}{descriptor.Zh}有限公司";
                    var legalEn = qianhai ? $"Shenzhen Qianhai {brandEn} {descriptor.En} Co., Ltd." : $"{city.En} {brandEn} {descriptor.En} Co., Ltd.";
                    SeedRole[] roles = (isVendor, isBuyer) switch
                    {
                        (true, true) => [SeedRole.Vendor, SeedRole.Buyer],
                        (true, false) => [SeedRole.Vendor],
                        _ => [SeedRole.Buyer],
                    };
                    participants.Add(new SeedParticipant(id, $"{brandEn} {descriptor.En}", brandZh + descriptor.Zh, legalEn, legalZh,
                        roles, SeedRegion.Mainland, city.En, districtEn, Ciio: false));
                    if (sector is { } vendorSector)
                    {
                        vendorSectors[id] = vendorSector;
                    }

                }
            }
        }

        private void Add(string id, string display, string displayZh, string legal, string legalZh, SeedRole[] roles, string city, string district, bool ciio = false) =>
            participants.Add(new SeedParticipant(id, display, displayZh, legal, legalZh, roles, SeedRegion.Mainland, city, district, ciio));

        private void Abroad(string id, SeedRegion region, string display, string displayZh, string legal, string legalZh, string? city = null) =>
            participants.Add(new SeedParticipant(id, display, displayZh, legal, legalZh, [SeedRole.Buyer], region,
                city ?? (region == SeedRegion.HongKong ? "Hong Kong" : "Macao"), null, Ciio: false));

        // ---------------------------------------------------------------- listings

        private void AddSpecialListings()
        {
            Special("l-hetao-port-truck-flows", "p-hetao-mobility", "Shenzhen Bay port cross-border truck flows (aggregated)",
                "Hourly counts and dwell times of cross-border goods vehicles at Shenzhen Bay and Futian ports, aggregated by lane; no vehicle or driver identifiers.",
                SeedSector.Transport, SeedDataLevel.General, 0, 0, "Shenzhen", ["port-throughput", "cross-border-trucking"], SeedDelivery.Api, 380_000,
                new SeedLicence("cross-border logistics planning", 365, false, false, SeedTerritory.GreaterBayArea));
            Special("l-xinheng-sme-owner-credit", "p-xinheng-credit", "Shenzhen SME owner credit features for trade finance",
                "Credit features of Shenzhen SME owners (registration, tax-compliance and court-record flags) for trade-finance underwriting; no financial account data. Personal information of 30,000 business owners, none sensitive.",
                SeedSector.Finance, SeedDataLevel.General, 30_000, 0, "Shenzhen", ["sme-credit", "business-owner-profile"], SeedDelivery.Api, 500_000,
                new SeedLicence("credit assessment of SMEs applying for trade finance", 365, false, false, SeedTerritory.GreaterBayArea));
            Special("l-pengtong-merchant-kyc", "p-pengtong-payments", "Cross-border e-commerce merchant KYC attestations",
                "Verification status of cross-border e-commerce merchants and their legal representatives (8,000 individuals; verified/not verified, no identity numbers). The vendor operates critical information infrastructure.",
                SeedSector.Finance, SeedDataLevel.General, 8_000, 0, "Shenzhen", ["merchant-kyc"], SeedDelivery.Api, 260_000,
                new SeedLicence("merchant onboarding checks for cross-border acquiring", 365, false, false, SeedTerritory.GreaterBayArea));
            Special("l-shenlan-port-basemap", "p-shenlan-mapping", "Shenzhen port-area high-precision 3D base map",
                "Centimetre-level 3D base map of port infrastructure; notified as important data, reclassified as core data from 2022-08-01; licensed exclusively to mainland port planners.",
                SeedSector.Geospatial, SeedDataLevel.Important, 0, 0, "Shenzhen", ["hd-basemap", "port-infrastructure"], SeedDelivery.File, 2_800_000,
                new SeedLicence("port authority planning", 365, true, false, SeedTerritory.MainlandChina),
                [new SeedReclassification(SeedDataLevel.Core, new DateOnly(2022, 8, 1), "YUE-HXSJ-2022-031")]);
            Special("l-suihe-rare-disease-registry", "p-suihe-clinical", "Guangzhou rare-disease registry extract for trial matching",
                "Pseudonymised registry extract of 3,000 rare-disease patients (diagnoses, genotypes, treatment lines) for clinical-trial feasibility; all of it sensitive health information.",
                SeedSector.Healthcare, SeedDataLevel.General, 3_000, 3_000, "Guangzhou", ["rare-disease-registry", "clinical-trial-matching"], SeedDelivery.File, 300_000,
                new SeedLicence("clinical-trial feasibility and patient matching", 730, false, false, SeedTerritory.GreaterBayArea));
            Special("l-lingnan-feeder-load", "p-lingnan-load", "Guangdong distribution-grid feeder load curves",
                "Fifteen-minute load curves of distribution feeders; notified as important data.",
                SeedSector.Energy, SeedDataLevel.Important, 0, 0, "Guangzhou", ["feeder-load", "distribution-grid"], SeedDelivery.File, 1_600_000,
                new SeedLicence("distribution network planning", 365, false, false, SeedTerritory.MainlandChina));
            Special("l-songhu-shopper-baskets", "p-songhu-retail", "Songshan Lake shopper basket panel (pseudonymised)",
                "Pseudonymised shopping baskets of 5,000 panel members at Dongguan malls; personal information, none sensitive.",
                SeedSector.Ecommerce, SeedDataLevel.General, 5_000, 0, "Dongguan", ["shopper-baskets", "retail-panel"], SeedDelivery.Api, 120_000,
                new SeedLicence("retail assortment planning", 365, false, false, SeedTerritory.GreaterBayArea));
            Special("l-haowan-estuary-hydrology", "p-haowan-marine", "Pearl River Estuary channel hydrology and bathymetry",
                "Bathymetric survey grids and tidal current series of Pearl River Estuary shipping channels; notified as important data.",
                SeedSector.Geospatial, SeedDataLevel.Important, 0, 0, "Zhuhai", ["marine-hydrology", "bathymetry"], SeedDelivery.File, 800_000,
                new SeedLicence("port and channel engineering design", 730, false, false, SeedTerritory.GreaterBayArea));
            Special("l-zhuao-visitor-preferences", "p-zhuao-travel", "Hengqin visitor consumption preferences panel",
                "Pseudonymised spending categories of 20,000 opted-in Hengqin visitors (no location tracks); personal information, none sensitive.",
                SeedSector.Ecommerce, SeedDataLevel.General, 20_000, 0, "Zhuhai", ["visitor-preferences", "tourism-consumption"], SeedDelivery.Api, 420_000,
                new SeedLicence("hospitality marketing", 365, false, false, SeedTerritory.GreaterBayArea));
            Special("l-rongyu-text-corpus", "p-rongyu-corpus", "Mandarin news and encyclopaedic text corpus",
                "Licensed, de-duplicated Mandarin news and encyclopaedic text for language-model pre-training; personal names removed, no personal information.",
                SeedSector.AiTraining, SeedDataLevel.General, 0, 0, "Chengdu", ["text-corpus", "mandarin"], SeedDelivery.File, 1_000_000,
                new SeedLicence("language model pre-training", 730, false, false, SeedTerritory.Global));
        }

        private void Special(string id, string vendor, string title, string description, SeedSector sector, SeedDataLevel level,
            long individuals, long sensitive, string city, string[] categories, SeedDelivery delivery, long priceYuan, SeedLicence licence,
            IReadOnlyList<SeedReclassification>? reclassifications = null) =>
            listings.Add(new SeedListing(id, vendor, title, description, sector, level, individuals > 0, individuals, sensitive,
                new SeedLocation(SeedRegion.Mainland, city), categories, delivery, new SeedMoney(priceYuan * 100, "CNY"), licence,
                CrossBorderDesk, [Evidence()], [LifecycleSteps.Submit, LifecycleSteps.Approve, LifecycleSteps.Publish],
                Reclassifications: reclassifications));

        private void AddGeneratedListings()
        {
            var reviewers = new[] { ListingDesk, FilingDesk };
            var firstGenerated = listings.Count;
            foreach (var vendor in participants.Where(p => vendorSectors.ContainsKey(p.Id)))
            {
                var sector = vendorSectors[vendor.Id];
                var brand = vendor.DisplayName.Split(' ')[0];
                var templates = Shuffled(Templates.Where(t => t.Sector == sector).ToList());
                var count = (int)random.Between(vendor.Has(SeedRole.Buyer) ? 2 : 3, vendor.Has(SeedRole.Buyer) ? 3 : 5);
                foreach (var template in templates.Take(count))
                {
                    var title = template.Title.Replace("{city}", vendor.City, StringComparison.Ordinal);
                    if (listings.Any(l => l.Title == title))
                    {
                        title = $"{title} ({brand})";
                    }

                    var individuals = template.MaxIndividuals == 0 ? 0 : random.Between(template.MinIndividuals / 1000, template.MaxIndividuals / 1000) * 1000;
                    var gbaCity = GreaterBayArea.IsMainlandGbaCity(vendor.City);
                    var territory = template.Level == SeedDataLevel.General && gbaCity && random.Percent(30)
                        ? SeedTerritory.GreaterBayArea : SeedTerritory.MainlandChina;
                    listings.Add(new SeedListing(
                        $"l-{brand.ToLowerInvariant()}-{template.Categories[0]}",
                        vendor.Id,
                        title,
                        template.Description,
                        sector,
                        template.Level,
                        individuals > 0,
                        individuals,
                        template.AllSensitive ? individuals : 0,
                        new SeedLocation(SeedRegion.Mainland, vendor.City),
                        template.Categories,
                        template.Delivery,
                        new SeedMoney(NiceYuan(template.MinPriceYuan, template.MaxPriceYuan, 100) * 100, "CNY"),
                        new SeedLicence(template.Purpose, template.TermDays, false, false, territory),
                        random.Pick(reviewers),
                        [Evidence()],
                        [LifecycleSteps.Submit, LifecycleSteps.Approve, LifecycleSteps.Publish]));
                }
            }

            ScriptHistories(firstGenerated);
        }

        /// <summary>History beyond the happy path, on generated listings: returned and resubmitted, rejected, suspended, delisted.</summary>
        private void ScriptHistories(int firstGenerated)
        {
            var candidates = Shuffled(Enumerable.Range(firstGenerated, listings.Count - firstGenerated).ToList());
            var returnReasons = new[]
            {
                "Declare the legal basis for collecting the source data.",
                "Attach the assessor's de-identification report and state the method used.",
                "Narrow the licence purpose: 'any purpose' cannot be registered.",
                "The sample report shows more records than declared: correct the number of individuals or explain the difference.",
            };
            var additions = new[]
            {
                " Source data collected under the data subjects' consent and the vendor's service agreements.",
                " De-identified by generalisation and suppression; assessor report attached.",
                " Licensed for the stated purpose only.",
                " Counts reconciled with the sample report: duplicates removed.",
            };
            var taken = 0;
            for (var i = 0; i < returnReasons.Length; i++)
            {
                var n = candidates[taken++];
                listings[n] = listings[n] with
                {
                    Lifecycle = [LifecycleSteps.Submit, LifecycleSteps.Return, LifecycleSteps.Revise, LifecycleSteps.Submit, LifecycleSteps.Approve, LifecycleSteps.Publish],
                    ReturnReason = returnReasons[i],
                    RevisedDescription = listings[n].Description + additions[i],
                };
            }

            var rejectReasons = new[]
            {
                "The vendor could not show authorisation to license the source data.",
                "Duplicates a product the vendor has already registered, under a broader licence.",
            };
            foreach (var reason in rejectReasons)
            {
                var n = candidates[taken++];
                listings[n] = listings[n] with { Lifecycle = [LifecycleSteps.Submit, LifecycleSteps.Reject], RejectReason = reason };
            }

            var suspend = candidates.Skip(taken).First(n => listings[n].Sector == SeedSector.Healthcare && listings[n].ContainsPersonalInformation);
            listings[suspend] = listings[suspend] with
            {
                Lifecycle = [LifecycleSteps.Submit, LifecycleSteps.Approve, LifecycleSteps.Publish, LifecycleSteps.Suspend],
                SuspendReason = "A data subject's complaint questions the pseudonymisation; suspended pending a new assessor report.",
            };
            var delist = candidates.Skip(taken).First(n => listings[n].Sector == SeedSector.Transport && n != suspend);
            listings[delist] = listings[delist] with
            {
                Lifecycle = [LifecycleSteps.Submit, LifecycleSteps.Approve, LifecycleSteps.Publish, LifecycleSteps.Delist],
                DelistReason = "Retired by the vendor: replaced by a real-time feed.",
            };
        }

        private string Evidence() => string.Create(CultureInfo.InvariantCulture, $"ASR-2022-{evidenceCounter++:D4}");

        // ---------------------------------------------------------------- approvals

        private void AddApprovals()
        {
            approvals.Add(new SeedApproval("a-xinheng-standard-contract-hk", "p-xinheng-credit", CrossBorderDesk, SeedApprovalKind.StandardContract,
                "GD-PICT-2022-0147", ["l-xinheng-sme-owner-credit"], [], SeedRegion.HongKong, new(2022, 4, 1), new(2025, 3, 31),
                "PI export standard contract with Hong Kong recipients, filed with the provincial regulator; covers the SME owner credit features only."));
            approvals.Add(new SeedApproval("a-suihe-certification-hk", "p-suihe-clinical", CrossBorderDesk, SeedApprovalKind.Certification,
                "PIPC-2022-0388", ["l-suihe-rare-disease-registry"], [], SeedRegion.HongKong, new(2022, 5, 10), new(2025, 5, 9),
                "PI protection certification (3 years) for transfers of the registry extract to Hong Kong research partners."));
            approvals.Add(new SeedApproval("a-zhuao-standard-contract-mo", "p-zhuao-travel", CrossBorderDesk, SeedApprovalKind.StandardContract,
                "GD-PICT-2022-0203", ["l-zhuao-visitor-preferences"], [], SeedRegion.Macao, new(2022, 6, 1), new(2025, 5, 31),
                "PI export standard contract with Macao recipients for the visitor preferences panel."));
            approvals.Add(new SeedApproval("a-haowan-security-assessment-mo", "p-haowan-marine", CrossBorderDesk, SeedApprovalKind.SecurityAssessment,
                "CAC-SA-2022-0027", ["l-haowan-estuary-hydrology"], [], SeedRegion.Macao, new(2022, 9, 26), new(2024, 9, 25),
                "Security assessment passed (valid 2 years) for exporting the estuary hydrology data, which is important data, to a Macao engineering recipient."));
            approvals.Add(new SeedApproval("a-pengtong-security-assessment-hk", "p-pengtong-payments", CrossBorderDesk, SeedApprovalKind.SecurityAssessment,
                "CAC-SA-2022-0031", [], ["merchant-kyc"], SeedRegion.HongKong, new(2022, 10, 20), new(2024, 10, 19),
                "Security assessment passed (valid 2 years): the exporter is a CIIO, so any export of personal information needs one. Scoped by data category."));
        }

        // ---------------------------------------------------------------- trades

        private void AddCrossBorderTrades()
        {
            (string Listing, string Buyer, long Yuan, DateOnly Date, string Note)[] crossBorder =
            [
                ("l-hetao-port-truck-flows", "p-hk-harbourview-analytics", 380_000, new(2022, 3, 18),
                    "The first cross-border trade: a vendor in the Hetao cooperation zone (Futian, Shenzhen) and a Hong Kong buyer. No personal information, general data: exempt (rule 7)."),
                ("l-xinheng-sme-owner-credit", "p-hk-lion-rock-bank", 520_000, new(2022, 4, 22),
                    "30,000 individuals; cumulative 30,000 since 2021-01-01: standard contract GD-PICT-2022-0147."),
                ("l-rongyu-text-corpus", "p-sg-straits-lumen-ai", 1_350_000, new(2022, 5, 16), "No personal information, general data: exempt (rule 7)."),
                ("l-suihe-rare-disease-registry", "p-hk-kowloon-bay-research", 760_000, new(2022, 6, 9),
                    "3,000 individuals with sensitive PI (cumulative 3,000 < 10,000): PI protection certification PIPC-2022-0388."),
                ("l-xinheng-sme-owner-credit", "p-hk-lion-rock-bank", 2_100_000, new(2022, 6, 28), "Cumulative 60,000 individuals: standard contract."),
                ("l-zhuao-visitor-preferences", "p-mo-senado-hospitality", 450_000, new(2022, 7, 14),
                    "20,000 individuals to Macao: standard contract GD-PICT-2022-0203."),
                ("l-rongyu-text-corpus", "p-sg-marina-quay-research", 980_000, new(2022, 8, 5), "No personal information: exempt (rule 7)."),
                ("l-suihe-rare-disease-registry", "p-hk-kowloon-bay-research", 310_000, new(2022, 8, 30), "Cumulative 6,000 sensitive: certification."),
                ("l-hetao-port-truck-flows", "p-hk-victoria-peak-logistics", 1_250_000, new(2022, 9, 13), "Exempt (rule 7)."),
                ("l-xinheng-sme-owner-credit", "p-hk-lion-rock-bank", 640_000, new(2022, 9, 27),
                    "Cumulative 90,000 individuals, still below the 100,000 assessment threshold: standard contract."),
                ("l-haowan-estuary-hydrology", "p-mo-taipa-marine", 830_000, new(2022, 10, 18),
                    "Important data: security assessment CAC-SA-2022-0027 (counterpart Macao)."),
                ("l-pengtong-merchant-kyc", "p-hk-tsim-sha-acquiring", 270_000, new(2022, 10, 28),
                    "A CIIO exporting personal information: security assessment CAC-SA-2022-0031."),
                ("l-pengtong-merchant-kyc", "p-hk-tsim-sha-acquiring", 415_000, new(2022, 11, 8), "CIIO: security assessment."),
                ("l-zhuao-visitor-preferences", "p-mo-senado-hospitality", 895_000, new(2022, 11, 10), "Cumulative 40,000 individuals: standard contract."),
            ];
            foreach (var (listing, buyer, yuan, date, note) in crossBorder)
            {
                drafts.Add(new TradeDraft(listing, buyer, yuan * 100, date, TradeOutcomes.Filed, Note: note));
            }
        }

        private void AddRefusedAttempts()
        {
            (string Listing, string Buyer, long Yuan, DateOnly Date, string Reason, string Note)[] refused =
            [
                ("l-xinheng-sme-owner-credit", "p-mo-nam-van-credit", 480_000, new(2022, 5, 20), RefusalReasons.StandardContractOrCertificationRequired,
                    "The standard contract covers Hong Kong recipients only; a Macao recipient needs its own contract or certification."),
                ("l-lingnan-feeder-load", "p-hk-tsing-yi-energy", 1_600_000, new(2022, 7, 21), RefusalReasons.SecurityAssessmentRequired,
                    "Important data without a security assessment."),
                ("l-songhu-shopper-baskets", "p-hk-sha-tin-retail", 120_000, new(2022, 8, 16), RefusalReasons.StandardContractOrCertificationRequired,
                    "Personal information export without any approval on file."),
                ("l-shenlan-port-basemap", "p-hk-lantau-spatial", 3_000_000, new(2022, 9, 6), RefusalReasons.CoreDataExportProhibited,
                    "Core data from 2022-08-01 (reclassified): it may not be exported."),
                ("l-xinheng-sme-owner-credit", "p-hk-lion-rock-bank", 600_000, new(2022, 10, 25), RefusalReasons.SecurityAssessmentRequired,
                    "Cumulative volume: 90,000 already exported since 2021-01-01 + 30,000 reaches the 100,000 threshold; the standard contract no longer suffices."),
            ];
            foreach (var (listing, buyer, yuan, date, reason, note) in refused)
            {
                drafts.Add(new TradeDraft(listing, buyer, yuan * 100, date, TradeOutcomes.Refused(reason), Note: note));
            }
        }

        private void AddDomesticTrades()
        {
            // Reclassified listings trade only where their story says (the base map until it became core data).
            var tradeable = listings.Where(l => l.IsPublished && l.DataLevel != SeedDataLevel.Core && l.Reclassifications is null).ToList();
            var bigDealSectors = new[] { SeedSector.PublicData, SeedSector.Finance, SeedSector.AiTraining, SeedSector.Energy, SeedSector.Geospatial };
            var bigDealListings = tradeable.Where(l => bigDealSectors.Contains(l.Sector)).ToList();
            var buyers = participants.Where(p => p.Region == SeedRegion.Mainland && p.Has(SeedRole.Buyer)).ToList();
            var domestic = new List<TradeDraft>();

            TradeDraft Draft(IReadOnlyList<SeedListing> pool, long amountMinor, DateOnly? date = null)
            {
                var listing = random.Pick(pool);
                var buyer = random.Pick(buyers.Where(b => b.Id != listing.Vendor).ToList());
                return new TradeDraft(listing.Id, buyer.Id, amountMinor, date ?? DomesticDate(), TradeOutcomes.Filed);
            }

            // The base map is licensed once, at home, while it is important data; from 2022-08-01 it is core data and does not trade.
            var portPlanner = buyers.First(b => b.City == "Shenzhen");
            domestic.Add(new TradeDraft("l-shenlan-port-basemap", portPlanner.Id, 2_800_000_00, new(2022, 6, 15), TradeOutcomes.Filed,
                Note: "Important data (core data only from 2022-08-01), licensed exclusively to a mainland buyer: a domestic trade, no export."));

            for (var i = 0; i < LargeDeals; i++)
            {
                domestic.Add(Draft(tradeable, NiceYuan(2_000_000, 9_000_000, 10_000) * 100));
            }

            for (var i = 0; i < MediumDeals; i++)
            {
                domestic.Add(Draft(tradeable, NiceYuan(300_000, 3_000_000, 1_000) * 100));
            }

            var crossBorderCount = drafts.Count(d => d.Outcome == TradeOutcomes.Filed);
            var smallDeals = FiledTrades - crossBorderCount - domestic.Count - ExtraLargeDeals;
            for (var i = 0; i < smallDeals; i++)
            {
                domestic.Add(Draft(tradeable, NiceYuan(3_000, 300_000, 100) * 100));
            }

            // The very large deals (tens of millions) take whatever is left of ¥11.07 亿, in whole ¥10,000s but the last.
            var remainder = TotalValueMinor - drafts.Where(d => d.Outcome == TradeOutcomes.Filed).Sum(d => d.AmountMinor) - domestic.Sum(d => d.AmountMinor);
            var weights = Enumerable.Range(0, ExtraLargeDeals).Select(_ => random.Between(40, 160)).ToList();
            var weightSum = weights.Sum();
            var allocated = 0L;
            for (var i = 0; i < ExtraLargeDeals; i++)
            {
                var amount = i == ExtraLargeDeals - 1
                    ? remainder - allocated
                    : remainder * weights[i] / weightSum / 1_000_000 * 1_000_000;
                allocated += amount;
                domestic.Add(Draft(bigDealListings, amount));
            }

            drafts.AddRange(domestic);

            // Two filings withdrawn before delivery: they do not count in the 415.
            drafts.Add(Draft(tradeable, NiceYuan(20_000, 200_000, 100) * 100, new(2022, 7, 8)) with
            {
                Outcome = TradeOutcomes.FiledThenCancelled,
                CancelledBy = SeedCancelledBy.Buyer,
                CancellationReason = "Budget withdrawn before delivery; cancelled by agreement.",
            });
            drafts.Add(Draft(tradeable, NiceYuan(200_000, 900_000, 1_000) * 100, new(2022, 9, 20)) with
            {
                Outcome = TradeOutcomes.FiledThenCancelled,
                CancelledBy = SeedCancelledBy.Vendor,
                CancellationReason = "The vendor could not deliver the agreed refresh date; contract rescinded before delivery.",
            });
        }

        /// <summary>More trades as the year goes on: 30% uniform, 70% the later of two uniform days.</summary>
        private DateOnly DomesticDate()
        {
            var day = random.Percent(30) ? random.Next(Days) : Math.Max(random.Next(Days), random.Next(Days));
            return Start.AddDays(day);
        }

        /// <summary>A price-like whole amount in [min, max] yuan: a nice mantissa × 10^k, plus up to 10% in steps of <paramref name="step"/>.</summary>
        private long NiceYuan(long minYuan, long maxYuan, long step)
        {
            var candidates = new List<long>();
            for (long decade = 1; decade <= maxYuan; decade *= 10)
            {
                foreach (var mantissa in Mantissas)
                {
                    var value = mantissa * decade / 10;
                    if (value >= minYuan && value <= maxYuan && value % step == 0)
                    {
                        candidates.Add(value);
                    }
                }
            }

            var basis = random.Pick(candidates);
            var extra = random.Between(0, basis / 10 / step) * step;
            return Math.Min(basis + extra, maxYuan);
        }

        /// <summary>Post-filing steps as of the opening day: older trades are settled, the newest still under way.</summary>
        private IReadOnlyList<string> StepsFor(DateOnly date)
        {
            if (date <= new DateOnly(2022, 10, 15))
            {
                return TradeSteps.Ordered;
            }

            if (date <= new DateOnly(2022, 11, 5))
            {
                return random.Percent(70) ? TradeSteps.Ordered : [TradeSteps.Delivered, TradeSteps.Received];
            }

            var roll = random.Next(10);
            return roll < 4 ? [TradeSteps.Delivered] : roll < 7 ? [TradeSteps.Delivered, TradeSteps.Received] : [];
        }

        /// <summary>Ids in contract-date order (ties in generation order): t-0001 is the earliest.</summary>
        private List<SeedTrade> Number(List<TradeDraft> all)
        {
            var byListing = listings.ToDictionary(l => l.Id, StringComparer.Ordinal);
            var ordered = all.Select((d, i) => (d, i)).OrderBy(x => x.d.Date).ThenBy(x => x.i).Select(x => x.d).ToList();
            var trades = new List<SeedTrade>(ordered.Count);
            for (var n = 0; n < ordered.Count; n++)
            {
                var d = ordered[n];
                var id = string.Create(CultureInfo.InvariantCulture, $"t-{n + 1:D4}");
                var steps = d.Outcome == TradeOutcomes.Filed ? StepsFor(d.Date) : [];
                trades.Add(new SeedTrade(id, d.Listing, d.Buyer, new SeedMoney(d.AmountMinor, "CNY"), d.Date, byListing[d.Listing].Licence,
                    string.Create(CultureInfo.InvariantCulture, $"CT-{d.Date:yyyyMMdd}-{n + 1:D4}"), d.Outcome, steps,
                    d.CancelledBy, d.CancellationReason, d.Note));
            }

            return trades;
        }

        private List<T> Shuffled<T>(IReadOnlyList<T> items)
        {
            var list = items.ToList();
            for (var i = list.Count - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (list[i], list[j]) = (list[j], list[i]);
            }

            return list;
        }
    }
}
