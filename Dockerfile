# Build the single goldarena binary, then run it on a slim Debian image.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin goldarena

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/goldarena --create-home goldarena
COPY --from=build /src/target/release/goldarena /usr/local/bin/goldarena
USER goldarena
WORKDIR /var/lib/goldarena
ENV GOLDARENA_BIND=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
    CMD curl -fsS http://127.0.0.1:8080/api/v1/health || exit 1
ENTRYPOINT ["goldarena"]
CMD ["serve"]
