using DataExchange.Server.Infrastructure;
using C = DataExchange.Compliance;
using V1 = DataExchange.Contracts.V1;

namespace DataExchange.Server.Trades;

/// <summary>The compliance engine's enums in the API's terms, and back for what a client may send (an exemption claim).</summary>
public static class ComplianceMapping
{
    public static V1.DecisionOutcome ToProto(C.DecisionOutcome outcome) => outcome switch
    {
        C.DecisionOutcome.Accepted => V1.DecisionOutcome.Accepted,
        C.DecisionOutcome.Refused => V1.DecisionOutcome.Refused,
        C.DecisionOutcome.ManualReview => V1.DecisionOutcome.ManualReview,
        _ => V1.DecisionOutcome.Unspecified,
    };

    public static V1.BorderCrossing ToProto(C.BorderCrossing crossing) => crossing switch
    {
        C.BorderCrossing.Domestic => V1.BorderCrossing.Domestic,
        C.BorderCrossing.MainlandExport => V1.BorderCrossing.MainlandExport,
        C.BorderCrossing.IntoMainland => V1.BorderCrossing.IntoMainland,
        C.BorderCrossing.OutsideMainland => V1.BorderCrossing.OutsideMainland,
        _ => V1.BorderCrossing.Unspecified,
    };

    public static V1.ExportExemption ToProto(C.ExemptionGround ground) => ground switch
    {
        C.ExemptionGround.ContractNecessity => V1.ExportExemption.ContractNecessity,
        C.ExemptionGround.HumanResourcesManagement => V1.ExportExemption.HumanResourcesManagement,
        C.ExemptionGround.Emergency => V1.ExportExemption.Emergency,
        C.ExemptionGround.StatutoryDuty => V1.ExportExemption.StatutoryDuty,
        C.ExemptionGround.CollectedAbroad => V1.ExportExemption.CollectedAbroad,
        C.ExemptionGround.SmallVolume => V1.ExportExemption.SmallVolume,
        C.ExemptionGround.NoPersonalOrImportantData => V1.ExportExemption.NoPersonalOrImportantData,
        C.ExemptionGround.FreeTradeZoneNegativeList => V1.ExportExemption.FreeTradeZoneNegativeList,
        C.ExemptionGround.NoExportGateInForce => V1.ExportExemption.NoExportGateInForce,
        _ => V1.ExportExemption.Unspecified,
    };

    /// <summary>
    /// An exemption a trade may invoke: one the filer can know (contract necessity, HR, emergency, statutory duty, data
    /// collected abroad). The grounds the engine derives itself are refused as input.
    /// </summary>
    public static C.ExemptionGround Claim(RequestValidator v, V1.ExportExemption claim, string field)
    {
        var ground = claim switch
        {
            V1.ExportExemption.Unspecified => C.ExemptionGround.None,
            V1.ExportExemption.ContractNecessity => C.ExemptionGround.ContractNecessity,
            V1.ExportExemption.HumanResourcesManagement => C.ExemptionGround.HumanResourcesManagement,
            V1.ExportExemption.Emergency => C.ExemptionGround.Emergency,
            V1.ExportExemption.StatutoryDuty => C.ExemptionGround.StatutoryDuty,
            V1.ExportExemption.CollectedAbroad => C.ExemptionGround.CollectedAbroad,
            _ => (C.ExemptionGround?)null,
        };
        v.Check(ground is not null, field,
            "must be CONTRACT_NECESSITY, HUMAN_RESOURCES_MANAGEMENT, EMERGENCY, STATUTORY_DUTY or COLLECTED_ABROAD (the engine derives the other grounds itself)");
        return ground ?? C.ExemptionGround.None;
    }
}
