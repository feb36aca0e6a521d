# The DataExchange gRPC server, with the dx command-line client beside it. Build from the repository root:
#   docker build -t dataexchange .
# It listens on 0.0.0.0:5080 and, off loopback, refuses to start without TLS: mount a certificate and key and set
# DX_TLS_CERT and DX_TLS_KEY (docker-compose.yml does, with the development CA of the dev-ca stage below).
# dx is in /app/cli (`dx` on PATH) with the seed data set in /app/seeds: `dx seed` and `dx health` run in the image,
# without the .NET SDK on the host (docker-compose.yml's seed service and the server's health check use them).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore in its own layer: it depends only on the project files and the package versions, so a change of code
# reuses the restored packages instead of downloading them again.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/DataExchange.Cli/DataExchange.Cli.csproj src/DataExchange.Cli/
COPY src/DataExchange.Compliance/DataExchange.Compliance.csproj src/DataExchange.Compliance/
COPY src/DataExchange.Contracts/DataExchange.Contracts.csproj src/DataExchange.Contracts/
COPY src/DataExchange.Domain/DataExchange.Domain.csproj src/DataExchange.Domain/
COPY src/DataExchange.Ledger/DataExchange.Ledger.csproj src/DataExchange.Ledger/
COPY src/DataExchange.Seeds/DataExchange.Seeds.csproj src/DataExchange.Seeds/
COPY src/DataExchange.Server/DataExchange.Server.csproj src/DataExchange.Server/
RUN dotnet restore src/DataExchange.Server \
    && dotnet restore src/DataExchange.Cli
# Then the sources (the Contracts project generates its code from protos/ at build time).
COPY protos/ protos/
COPY src/ src/
RUN dotnet publish src/DataExchange.Server -c Release -o /app --no-restore --nologo \
    && dotnet publish src/DataExchange.Cli -c Release -o /app/cli --no-restore --nologo

# scripts/dev-ca.sh in a container (docker compose's dev-ca service). It runs as the server image's non-root user
# (uid 1654, "app"), and /tls and /ca are created owned by it, so the volumes mounted there start out writable by it and
# the server can read the key it writes (owner-only).
FROM alpine:3.20 AS dev-ca
RUN apk add --no-cache bash openssl \
    && mkdir -p /tls /ca && chown 1654:1654 /tls /ca
COPY scripts/dev-ca.sh /usr/local/bin/dev-ca.sh
USER 1654:1654
ENV DX_TLS_DIR=/tls \
    DX_TLS_CA_DIR=/ca
ENTRYPOINT ["bash", "/usr/local/bin/dev-ca.sh"]

# No HEALTHCHECK here: the server answers health over gRPC only (grpc.health.v1, which `dx health` calls), and over TLS
# the check must know an address its certificate names and the CA that issued it, which only the deployment knows.
# docker-compose.yml declares it: dx health against https://127.0.0.1:5080 with DX_CA.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
COPY seeds/exchange-2022.json seeds/
ENV DX_LISTEN=0.0.0.0:5080 \
    DX_HTTP_LISTEN=0.0.0.0:5081 \
    DX_DATA_DIR=/var/lib/dataexchange
# /var/lib/dataexchange: the server's (or, in a witness container, the witness's) own files. The two folders under
# /etc/dataexchange receive public keys in docker-compose.yml's witness set-up: the witnesses' verifier keys and the
# log's. Each is owned by app so that a new volume mounted on it is writable by the non-root user.
RUN mkdir -p /var/lib/dataexchange /etc/dataexchange/witnesses /etc/dataexchange/ledger-keys \
    && chown app /var/lib/dataexchange /etc/dataexchange/witnesses /etc/dataexchange/ledger-keys \
    && printf '#!/bin/sh\nexec dotnet /app/cli/dx.dll "$@"\n' > /usr/local/bin/dx \
    && chmod 755 /usr/local/bin/dx
USER app
# 7380: `dx witness serve` in docker-compose.yml's witness services.
EXPOSE 5080 5081 7380
ENTRYPOINT ["dotnet", "DataExchange.Server.dll"]
