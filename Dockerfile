# The DataExchange gRPC server. Build from the repository root: docker build -t dataexchange .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/DataExchange.Server -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV DX_LISTEN=0.0.0.0:5080 \
    DX_DATA_DIR=/var/lib/dataexchange
RUN mkdir -p /var/lib/dataexchange && chown app /var/lib/dataexchange
USER app
EXPOSE 5080
ENTRYPOINT ["dotnet", "DataExchange.Server.dll"]
