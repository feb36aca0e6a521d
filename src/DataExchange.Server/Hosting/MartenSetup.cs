using DataExchange.Domain;
using DataExchange.Domain.Listings;
using DataExchange.Domain.Participants;
using DataExchange.Domain.Trades;
using DataExchange.Server.Auth;
using DataExchange.Server.Configuration;
using DataExchange.Server.Infrastructure;
using DataExchange.Server.Trades;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Weasel.Core;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace DataExchange.Server.Hosting;

public static class MartenSetup
{
    public static StoreOptions Configure(ServerSettings settings)
    {
        var options = new StoreOptions();
        options.Connection(settings.ConnectionString);
        options.DatabaseSchemaName = settings.Schema;
        options.Events.DatabaseSchemaName = settings.Schema;
        // With a separate owner role the runtime role cannot change the schema: RuntimeRoleSetup migrates it as the owner.
        options.AutoCreateSchemaObjects = settings.OwnerConnectionString is null ? AutoCreate.CreateOrUpdate : AutoCreate.None;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString);
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        // Rich appends: plain inserts with versions and sequence numbers Marten assigns before the commit, instead of one
        // PL/pgSQL call per stream (Quick). Measured with scripts/bench.sh, trades at 32 buyers: PostgreSQL's CPU per
        // trade 1.54 → 1.06 ms, 504 → 698 trades/s.
        options.Events.AppendMode = JasperFx.Events.EventAppendMode.Rich;
        // Not OpenTelemetry.TrackConnections: in Marten 9.58 the marten.connection span of a session that began its own
        // transaction (every trade, every idempotent command) is never stopped, so it is never exported and the SQL
        // spans under it are orphaned. Npgsql's spans already show each statement under the RPC.
        if (settings.Telemetry.Metrics)
        {
            options.OpenTelemetry.TrackEventCounters(); // marten.event.append, by event type
        }

        foreach (var catalogued in EventCatalogue.All)
        {
            options.Events.MapEventType(catalogued.Type, catalogued.Name); // stored names fixed by the catalogue, not the CLR names
        }

        // Aggregates double as read models: inline snapshots commit in the same transaction as their events.
        options.Projections.Add(new ParticipantProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new ListingProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new TradeProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new ExportApprovalProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new ExporterYearVolumeProjection(), ProjectionLifecycle.Inline);
        options.Schema.For<Trade>().DocumentAlias("trade").UniqueIndex(x => x.FilingNumber!).Index(x => x.BuyerId).Index(x => x.VendorId);
        options.Schema.For<DataExchange.Domain.Approvals.ExportApproval>().DocumentAlias("export_approval").Index(x => x.ExporterId);

        options.Schema.For<ApiTokenRecord>().UniqueIndex(x => x.SecretHash);
        options.Schema.For<IdempotencyRecord>().Identity(x => x.Id);
        options.Schema.For<BootstrapRecord>().Identity(x => x.Id);

        // Created with the rest of the schema at startup: created lazily, concurrent first trades raced on its row type.
        var filingCounters = new Table(new PostgresqlObjectName(settings.Schema, FilingNumbers.TableName, SchemaUtils.IdentifierUsage.General));
        filingCounters.AddColumn<int>("year").AsPrimaryKey();
        filingCounters.AddColumn<long>("last").NotNull();
        options.Storage.ExtendedSchemaObjects.Add(filingCounters);
        return options;
    }
}
