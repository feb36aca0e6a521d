# The DataExchange gRPC server. Build from the repository root: docker build -t dataexchange .
# It listens on 0.0.0.0:5080 and, off loopback, refuses to start without TLS: mount a certificate and key and set
# DX_TLS_CERT and DX_TLS_KEY (docker-compose.yml does, with the development CA of the dev-ca stage below).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/DataExchange.Server -c Release -o /app --nologo

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

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV DX_LISTEN=0.0.0.0:5080 \
    DX_DATA_DIR=/var/lib/dataexchange
RUN mkdir -p /var/lib/dataexchange && chown app /var/lib/dataexchange
USER app
EXPOSE 5080
ENTRYPOINT ["dotnet", "DataExchange.Server.dll"]
