# The trino-platform binary (the gateway server and the CLI) on a minimal, non-root base.
#
#   docker build -t ghcr.io/trino-platform/trino-platform:0.1.0 .
#   docker run --rm -p 8080:8080 ghcr.io/trino-platform/trino-platform:0.1.0 gateway serve
#
# The Kubernetes manifests (`trino-platform deploy render`) run it as
# `gateway serve --config /etc/trino-platform/gateway.yaml`, as uid 1000 with a read-only root.
FROM docker.io/library/rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p trino-platform-cli \
    && strip target/release/trino-platform

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/trino-platform /usr/local/bin/trino-platform
EXPOSE 8080 8443
ENTRYPOINT ["/usr/local/bin/trino-platform"]
CMD ["gateway", "serve"]
