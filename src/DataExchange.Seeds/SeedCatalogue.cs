namespace DataExchange.Seeds;

/// <summary>
/// The word lists the generator draws from. Every company name is invented: a two-character brand (not a known
/// company's) + a business descriptor + the city prefix mainland registered names carry.
/// </summary>
internal static class SeedCatalogue
{
    public sealed record City(string En, string Zh, string Prefix, IReadOnlyList<(string En, string Zh)> Districts, IReadOnlyList<SeedSector> Strengths);

    public sealed record Descriptor(string En, string Zh, string Slug);

    public sealed record ListingTemplate(
        SeedSector Sector,
        string Title,
        string Description,
        string[] Categories,
        long MinIndividuals,
        long MaxIndividuals,
        bool AllSensitive,
        SeedDataLevel Level,
        SeedDelivery Delivery,
        long MinPriceYuan,
        long MaxPriceYuan,
        string Purpose,
        int TermDays);

    public static readonly IReadOnlyList<(string En, string Zh)> Brands =
    [
        ("Lanxin", "澜信"), ("Haoyun", "浩云"), ("Qiyuan", "启元"), ("Ruichen", "睿辰"),
        ("Xinghan", "星瀚"), ("Mingjing", "明镜"), ("Yunlu", "云麓"), ("Chengxin", "澄心"), ("Jinlan", "金岚"),
        ("Tianshu", "天枢"), ("Yaoguang", "瑶光"), ("Kaiyang", "开阳"),
        ("Yuheng", "玉衡"), ("Tianxuan", "天璇"), ("Shuoguang", "朔光"), ("Hongtu", "鸿途"), ("Weilan", "蔚澜"),
        ("Shanhai", "山海"), ("Yunxi", "云溪"), ("Mosheng", "墨笙"), ("Qianli", "千里"), ("Huiming", "慧明"),
        ("Anlan", "安澜"), ("Ruixue", "瑞雪"), ("Jinghong", "景泓"), ("Yiheng", "弈衡"),
        ("Xiyue", "熙悦"), ("Tingfeng", "听风"), ("Lushan", "鹿山"), ("Nanxing", "南星"), ("Zhenyu", "振宇"),
        ("Lingyun", "凌云"), ("Wenjin", "文津"), ("Heming", "鹤鸣"), ("Songbai", "松柏"), ("Shuyun", "数云"),
        ("Xinyan", "信衍"), ("Chuanxi", "川溪"), ("Pengyue", "鹏越"), ("Qianwan", "前湾"), ("Haiyan", "海研"),
        ("Jiangyue", "江月"), ("Yuanjian", "远见"), ("Cuiwei", "翠微"), ("Ningyuan", "宁远"), ("Liyuan", "立源"),
        ("Hanxing", "瀚星"), ("Miaosuan", "妙算"), ("Zhuoshu", "卓数"), ("Hengshu", "衡数"), ("Lianshu", "链数"),
        ("Jingshu", "鲸数"), ("Yanshu", "衍数"), ("Qingyu", "青羽"), ("Muyun", "暮云"), ("Xiaowu", "晓雾"),
        ("Langyue", "朗月"), ("Yunfan", "云帆"), ("Qiaoshi", "乔石"), ("Dingxin", "鼎昕"), ("Huanyu", "寰宇"),
        ("Zhaoming", "兆明"), ("Yuelan", "悦岚"), ("Chenxi", "晨曦"), ("Guanshu", "观数"), 
        ("Jiaheng", "嘉衡"), ("Xunlu", "寻路"), ("Bolan", "泊岚"), ("Fengqi", "风起"),
        ("Yingshu", "盈数"), ("Heyue", "禾悦"), ("Sunan", "溯南"), ("Zhouqi", "舟启"),
    ];

    public static readonly IReadOnlyDictionary<SeedSector, Descriptor[]> VendorDescriptors = new Dictionary<SeedSector, Descriptor[]>
    {
        [SeedSector.Finance] = [new("Credit Analytics", "信用数据", "credit"), new("Risk Technology", "风控科技", "risk"), new("Financial Data", "金融数据", "findata")],
        [SeedSector.Transport] = [new("Mobility Data", "出行数据", "mobility"), new("Logistics Intelligence", "物流智能", "logistics"), new("Shipping Data", "航运数据", "shipping")],
        [SeedSector.Healthcare] = [new("Health Informatics", "健康信息", "health"), new("Medical Data", "医疗数据", "meddata")],
        [SeedSector.Geospatial] = [new("Remote Sensing", "遥感科技", "remote-sensing"), new("Geoinformation", "地理信息", "geo")],
        [SeedSector.Ecommerce] = [new("Retail Insights", "零售数据", "retail"), new("Consumer Analytics", "消费数据", "consumer")],
        [SeedSector.Manufacturing] = [new("Industrial Data", "工业数据", "industrial"), new("Smart Manufacturing", "智能制造", "smartmfg")],
        [SeedSector.Energy] = [new("Energy Data", "能源数据", "energy"), new("Power Analytics", "电力数据", "power")],
        [SeedSector.AiTraining] = [new("Language Data", "语料科技", "corpus"), new("AI Data Services", "人工智能数据", "aidata")],
        [SeedSector.PublicData] = [new("Public Data Operations", "公共数据运营", "public-data"), new("Data Group", "数据集团", "data-group")],
    };

    public static readonly IReadOnlyList<Descriptor> BuyerDescriptors =
    [
        new("Consumer Finance", "消费金融", "consumer-finance"), new("Insurance Agency", "保险代理", "insurance"),
        new("Supply Chain Management", "供应链管理", "supply-chain"), new("Automotive Technology", "汽车科技", "auto"),
        new("Biopharma", "生物医药", "biopharma"), new("Smart Retail", "智慧零售", "smart-retail"),
        new("Asset Management", "资产管理", "asset-mgmt"), new("New Energy Technology", "新能源科技", "new-energy"),
        new("Urban Planning Consultancy", "城市规划咨询", "urban-planning"), new("Property Services", "物业服务", "property"),
        new("Commercial Factoring", "商业保理", "factoring"), new("Robotics", "机器人科技", "robotics"),
    ];

    private static readonly (string, string)[] ShenzhenDistricts =
    [
        ("Futian", "福田"), ("Nanshan", "南山"), ("Qianhai", "前海"), ("Luohu", "罗湖"), ("Bao'an", "宝安"),
        ("Longgang", "龙岗"), ("Longhua", "龙华"), ("Guangming", "光明"),
    ];

    public static readonly City Shenzhen = new("Shenzhen", "深圳", "深圳市", ShenzhenDistricts,
        [SeedSector.Finance, SeedSector.Transport, SeedSector.AiTraining, SeedSector.Ecommerce, SeedSector.Geospatial, SeedSector.Healthcare, SeedSector.Manufacturing, SeedSector.Energy, SeedSector.PublicData]);

    /// <summary>Generated participants per city: (city, vendors, buyers, vendor-and-buyer).</summary>
    public static readonly IReadOnlyList<(City City, int Vendors, int Buyers, int Both)> GeneratedPerCity =
    [
        (Shenzhen, 17, 8, 6),
        (new("Guangzhou", "广州", "广州", [("Tianhe", "天河"), ("Huangpu", "黄埔"), ("Haizhu", "海珠"), ("Nansha", "南沙")], [SeedSector.Healthcare, SeedSector.Ecommerce, SeedSector.Transport, SeedSector.PublicData]), 3, 2, 1),
        (new("Dongguan", "东莞", "东莞", [("Songshan Lake", "松山湖"), ("Chang'an", "长安")], [SeedSector.Manufacturing]), 1, 2, 0),
        (new("Foshan", "佛山", "佛山", [("Shunde", "顺德"), ("Nanhai", "南海")], [SeedSector.Manufacturing, SeedSector.Energy]), 1, 2, 0),
        (new("Zhuhai", "珠海", "珠海", [("Hengqin", "横琴"), ("Xiangzhou", "香洲")], [SeedSector.Transport]), 0, 1, 0),
        (new("Huizhou", "惠州", "惠州", [("Huicheng", "惠城")], [SeedSector.Energy]), 0, 1, 0),
        (new("Zhongshan", "中山", "中山", [("Torch Development Zone", "火炬开发区")], [SeedSector.Manufacturing]), 1, 0, 0),
        (new("Jiangmen", "江门", "江门", [("Pengjiang", "蓬江")], [SeedSector.Manufacturing]), 0, 1, 0),
        (new("Beijing", "北京", "北京", [("Haidian", "海淀"), ("Chaoyang", "朝阳")], [SeedSector.Finance, SeedSector.AiTraining, SeedSector.Geospatial]), 3, 2, 0),
        (new("Shanghai", "上海", "上海", [("Pudong", "浦东"), ("Xuhui", "徐汇")], [SeedSector.Finance, SeedSector.Ecommerce, SeedSector.Healthcare]), 2, 2, 1),
        (new("Hangzhou", "杭州", "杭州", [("Binjiang", "滨江"), ("Yuhang", "余杭")], [SeedSector.Ecommerce, SeedSector.AiTraining]), 2, 2, 0),
        (new("Chengdu", "成都", "成都", [("Gaoxin", "高新")], [SeedSector.Geospatial, SeedSector.Healthcare]), 1, 1, 0),
        (new("Guiyang", "贵阳", "贵阳", [("Gui'an New Area", "贵安新区"), ("Guanshanhu", "观山湖")], [SeedSector.PublicData, SeedSector.AiTraining, SeedSector.Energy]), 2, 1, 0),
        (new("Wuhan", "武汉", "武汉", [("Optics Valley", "光谷")], [SeedSector.Geospatial, SeedSector.Manufacturing]), 1, 1, 0),
    ];

    public static readonly IReadOnlyList<ListingTemplate> Templates =
    [
        // Finance and credit
        new(SeedSector.Finance, "{city} SME invoice-based credit scores", "Monthly credit scores of small and medium enterprises derived from VAT e-invoice flows, with score reasons. Enterprise data only.", ["sme-credit", "invoice-data"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 50_000, 300_000, "credit assessment of enterprise borrowers", 365),
        new(SeedSector.Finance, "{city} consumer loan default-risk features", "Default-risk features for consumer lending, computed inside a privacy-preserving computation platform; raw records never leave the vendor.", ["consumer-credit", "risk-features"], 200_000, 2_000_000, true, SeedDataLevel.General, SeedDelivery.PrivacyPreservingComputation, 200_000, 800_000, "consumer loan underwriting", 365),
        new(SeedSector.Finance, "{city} merchant transaction activity index", "Weekly activity index of offline merchants by district and category, aggregated from acquiring data.", ["merchant-activity", "economic-index"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 20_000, 120_000, "economic research and site selection", 365),
        new(SeedSector.Finance, "{city} device anti-fraud risk labels", "Risk labels for device identifiers seen in fraud cases, refreshed daily, for account-opening checks.", ["anti-fraud", "device-risk"], 500_000, 5_000_000, false, SeedDataLevel.General, SeedDelivery.Api, 100_000, 500_000, "fraud prevention at account opening", 365),
        // Transport and logistics
        new(SeedSector.Transport, "{city} road speed and congestion feed", "Five-minute road-segment speeds and congestion levels from floating-car data, aggregated; no vehicle identifiers.", ["traffic-speed", "congestion"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 30_000, 200_000, "navigation and dispatch", 365),
        new(SeedSector.Transport, "{city} ride-hailing origin-destination matrix", "Hourly origin-destination trip counts between traffic analysis zones, aggregated with a minimum cell size.", ["origin-destination", "urban-mobility"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 50_000, 300_000, "transport planning", 365),
        new(SeedSector.Transport, "{city} container truck trajectories (pseudonymised)", "Pseudonymised GPS tracks of container trucks serving the ports; driver whereabouts are sensitive personal information, so computation only.", ["truck-trajectories", "port-logistics"], 20_000, 80_000, true, SeedDataLevel.General, SeedDelivery.PrivacyPreservingComputation, 150_000, 600_000, "freight route optimisation", 365),
        new(SeedSector.Transport, "{city} port and warehouse throughput statistics", "Daily throughput of terminals and bonded warehouses by cargo class.", ["port-throughput", "warehousing"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 20_000, 150_000, "supply-chain planning", 365),
        // Healthcare
        new(SeedSector.Healthcare, "{city} outpatient diagnosis statistics", "Weekly outpatient visit counts by ICD-10 chapter and age band, aggregated from partner hospitals.", ["diagnosis-statistics", "public-health"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 50_000, 250_000, "health-service planning", 365),
        new(SeedSector.Healthcare, "{city} chronic-disease cohort for model training", "Pseudonymised diabetes and hypertension cohort with lab results, usable only inside a privacy-preserving computation environment.", ["chronic-disease-cohort", "clinical-records"], 10_000, 100_000, true, SeedDataLevel.General, SeedDelivery.PrivacyPreservingComputation, 300_000, 1_200_000, "clinical decision-support model training", 730),
        new(SeedSector.Healthcare, "{city} pharmacy retail sales panel", "Weekly over-the-counter and prescription drug sales by molecule from a panel of retail pharmacies.", ["pharmacy-sales", "drug-market"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 40_000, 200_000, "market sizing", 365),
        new(SeedSector.Healthcare, "{city} annotated medical imaging set", "CT and X-ray studies with radiologist annotations from partner hospitals, pseudonymised; patients' health data is sensitive.", ["medical-imaging", "annotations"], 5_000, 50_000, true, SeedDataLevel.General, SeedDelivery.PrivacyPreservingComputation, 200_000, 900_000, "diagnostic AI training", 730),
        // Geospatial and remote sensing
        new(SeedSector.Geospatial, "{city} 2 m satellite imagery mosaic", "Quarterly cloud-free 2 m resolution optical mosaic, orthorectified.", ["satellite-imagery", "optical-mosaic"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 80_000, 400_000, "land monitoring", 365),
        new(SeedSector.Geospatial, "{city} building footprints and POI base map", "Building outlines with heights and categorised points of interest, refreshed monthly.", ["building-footprints", "poi"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 50_000, 250_000, "location analytics", 365),
        new(SeedSector.Geospatial, "{city} land-use change detection", "Change polygons between quarterly imagery, classified by land-use type.", ["land-use", "change-detection"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 60_000, 300_000, "planning enforcement", 365),
        new(SeedSector.Geospatial, "{city} survey-grade elevation model", "Survey-grade digital elevation model; notified as important data, licensed to mainland users only.", ["elevation-model", "surveying"], 0, 0, false, SeedDataLevel.Important, SeedDelivery.File, 300_000, 1_500_000, "engineering design", 730),
        // E-commerce and retail
        new(SeedSector.Ecommerce, "{city} online retail category sales index", "Daily sales index by product category from partner marketplaces; no order-level data.", ["retail-sales-index", "ecommerce"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 20_000, 150_000, "category management", 365),
        new(SeedSector.Ecommerce, "{city} consumer preference segments", "Aggregated consumer segments with preference scores per district, minimum segment size 1,000.", ["consumer-segments", "marketing"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 30_000, 200_000, "marketing planning", 365),
        new(SeedSector.Ecommerce, "{city} membership purchase histories", "Pseudonymised purchase histories of loyalty members, queried through privacy-preserving computation.", ["purchase-histories", "loyalty"], 300_000, 3_000_000, false, SeedDataLevel.General, SeedDelivery.PrivacyPreservingComputation, 150_000, 700_000, "recommendation model training", 365),
        new(SeedSector.Ecommerce, "{city} cross-border e-commerce parcel flows", "Daily parcel volumes by origin, destination and category through bonded warehouses.", ["parcel-flows", "cross-border-ecommerce"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 30_000, 180_000, "logistics capacity planning", 365),
        // Manufacturing
        new(SeedSector.Manufacturing, "{city} industrial equipment vibration dataset", "Labelled vibration and temperature series from CNC machines, including failure events.", ["predictive-maintenance", "sensor-data"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 50_000, 300_000, "predictive-maintenance models", 730),
        new(SeedSector.Manufacturing, "{city} electronics supply-chain lead times", "Weekly lead times and price indices for electronic components from distributor quotes.", ["component-lead-times", "supply-chain"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 30_000, 200_000, "procurement planning", 365),
        new(SeedSector.Manufacturing, "{city} factory energy-intensity benchmark", "Energy use per unit of output by industry and process, anonymised across plants.", ["energy-intensity", "benchmarking"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 20_000, 120_000, "efficiency benchmarking", 365),
        new(SeedSector.Manufacturing, "{city} battery-cell inspection images", "Labelled defect images from power-battery cell inspection lines.", ["defect-images", "quality-inspection"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 80_000, 400_000, "machine-vision training", 730),
        // Energy
        new(SeedSector.Energy, "{city} EV charging station utilisation", "Fifteen-minute utilisation of public charging piles by station; no vehicle or user identifiers.", ["ev-charging", "utilisation"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 30_000, 200_000, "charging network planning", 365),
        new(SeedSector.Energy, "{city} distributed PV generation forecasts", "Day-ahead generation forecasts for rooftop photovoltaic clusters.", ["pv-forecast", "renewables"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 40_000, 250_000, "energy trading", 365),
        new(SeedSector.Energy, "{city} commercial building load profiles", "Hourly electricity load profiles of commercial buildings by type, anonymised.", ["load-profiles", "buildings"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 30_000, 180_000, "demand response design", 365),
        new(SeedSector.Energy, "{city} industrial park heat and steam demand", "Hourly heat and steam demand of industrial parks, aggregated per park.", ["heat-demand", "industrial-parks"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 30_000, 150_000, "combined heat and power dispatch", 365),
        // AI training corpora
        new(SeedSector.AiTraining, "{city} Cantonese-Mandarin speech corpus", "Read and conversational speech with transcripts from consenting speakers; voiceprints are biometric, hence sensitive.", ["speech-corpus", "cantonese"], 2_000, 10_000, true, SeedDataLevel.General, SeedDelivery.File, 300_000, 1_500_000, "speech recognition training", 730),
        new(SeedSector.AiTraining, "{city} annotated legal documents corpus", "Published court judgments with party names removed, annotated with case type and outcome.", ["legal-corpus", "annotations"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 200_000, 800_000, "legal language model training", 730),
        new(SeedSector.AiTraining, "{city} street-scene images for driving models", "Street-scene images with faces and plates blurred, annotated with 2D boxes.", ["street-scenes", "autonomous-driving"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 300_000, 1_200_000, "perception model training", 730),
        new(SeedSector.AiTraining, "{city} customer-service dialogue corpus", "Anonymised customer-service dialogues with intent labels.", ["dialogue-corpus", "intent-labels"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 150_000, 600_000, "dialogue model training", 730),
        // Public-data licences
        new(SeedSector.PublicData, "{city} enterprise registration records (authorised)", "Authorised operation of public enterprise-registration data, including legal representatives' names.", ["enterprise-registry", "public-data"], 100_000, 1_000_000, false, SeedDataLevel.General, SeedDelivery.Api, 100_000, 500_000, "know-your-business checks", 365),
        new(SeedSector.PublicData, "{city} public transport smart-card flows", "Aggregated boardings and alightings by stop and hour from the public transport card system.", ["transit-flows", "public-data"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 50_000, 300_000, "transit planning", 365),
        new(SeedSector.PublicData, "{city} meteorological grid data", "Hourly 1 km gridded temperature, precipitation and wind from the authorised public-data operator.", ["meteorology", "public-data"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 30_000, 150_000, "weather-sensitive operations", 365),
        new(SeedSector.PublicData, "{city} real-estate transaction statistics", "Monthly transaction counts and prices by district and property type.", ["real-estate", "public-data"], 0, 0, false, SeedDataLevel.General, SeedDelivery.File, 40_000, 200_000, "valuation models", 365),
        new(SeedSector.PublicData, "{city} enterprise public credit records", "Administrative penalties, licences and credit ratings of enterprises from public records.", ["public-credit", "public-data"], 0, 0, false, SeedDataLevel.General, SeedDelivery.Api, 50_000, 250_000, "counterparty due diligence", 365),
    ];

    /// <summary>"Nice" mantissas (tenths) for amounts, so prices look like prices: 1.0, 1.2, 1.5 … 8.0.</summary>
    public static readonly IReadOnlyList<long> Mantissas = [10, 12, 15, 18, 20, 25, 30, 35, 40, 50, 60, 80];
}
