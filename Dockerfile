# syntax=docker/dockerfile:1.7
#
# One Dockerfile, one compile, one small image per service.
#
# Why separate targets rather than one image holding all five binaries with a
# per-service `command`: the browser needs Chromium (hundreds of MB and a large
# attack surface) and no other service should carry it; and an image that holds
# only its own binary cannot be talked into running another service's code.
# All targets copy from the same `builder` stage, so BuildKit compiles the
# workspace once no matter how many targets are built.
#
# Targets: gateway, scheduler, browser, llm, notify, web.
#   docker build --target gateway -t lookout-gateway .

ARG RUST_VERSION=1
ARG DEBIAN_RELEASE=bookworm

# --- Rust build --------------------------------------------------------------

FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS chef
# cargo-chef turns the dependency graph into a recipe, so dependencies are a
# cached layer that only rebuilds when Cargo.toml/Cargo.lock change.
RUN cargo install cargo-chef --locked --version ^0.1
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked \
        --bin lookout-gateway --bin lookout-scheduler --bin lookout-browser \
        --bin lookout-llm --bin lookout-notify \
 && mkdir -p /out \
 && cp target/release/lookout-gateway target/release/lookout-scheduler \
       target/release/lookout-browser target/release/lookout-llm \
       target/release/lookout-notify /out/

# --- Runtime base --------------------------------------------------------------

# No compiler, no package manager cache, no shell tools beyond Debian's base:
# only CA certificates (the services speak TLS to Google, model endpoints,
# SMTP servers and webhooks) and time zone data. /var/lib/lookout/blobs is
# owned by the service user so a fresh named volume mounted there (the
# screenshots) is writable.
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 lookout \
 && useradd --system --uid 10001 --gid lookout --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin lookout \
 && mkdir -p /var/lib/lookout/blobs \
 && chown -R 10001:10001 /var/lib/lookout
ENV LOOKOUT_ENV=production
# The services drain in-flight requests on SIGTERM (mesh::shutdown).
STOPSIGNAL SIGTERM
USER 10001:10001

# --- Service images --------------------------------------------------------------
# Each binary probes its own health endpoint (`<binary> healthcheck`), so the
# images need no curl.

FROM runtime AS gateway
COPY --from=builder /out/lookout-gateway /usr/local/bin/lookout-gateway
ENV GATEWAY_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["lookout-gateway", "healthcheck"]
ENTRYPOINT ["lookout-gateway"]

FROM runtime AS scheduler
COPY --from=builder /out/lookout-scheduler /usr/local/bin/lookout-scheduler
ENV SCHEDULER_ADDR=0.0.0.0:50054
EXPOSE 50054
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["lookout-scheduler", "healthcheck"]
ENTRYPOINT ["lookout-scheduler"]

FROM runtime AS llm
COPY --from=builder /out/lookout-llm /usr/local/bin/lookout-llm
ENV LLM_ADDR=0.0.0.0:50052
EXPOSE 50052
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["lookout-llm", "healthcheck"]
ENTRYPOINT ["lookout-llm"]

FROM runtime AS notify
COPY --from=builder /out/lookout-notify /usr/local/bin/lookout-notify
ENV NOTIFY_ADDR=0.0.0.0:50053
EXPOSE 50053
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["lookout-notify", "healthcheck"]
ENTRYPOINT ["lookout-notify"]

# The only image with a browser in it. Package installation needs root for one
# layer; the image still runs as the unprivileged user.
FROM runtime AS browser
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
COPY --from=builder /out/lookout-browser /usr/local/bin/lookout-browser
ENV BROWSER_ADDR=0.0.0.0:50051 \
    CHROMIUM_PATH=/usr/bin/chromium
EXPOSE 50051
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["lookout-browser", "healthcheck"]
ENTRYPOINT ["lookout-browser"]

# --- Web UI ------------------------------------------------------------------------

FROM node:22-${DEBIAN_RELEASE}-slim AS web-build
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# nginx serves the built UI, terminates TLS and proxies /api, /auth, /docs,
# /health and /ready to the gateway (deploy/nginx/nginx.conf). It listens on
# unprivileged ports (8080 HTTP, 8443 HTTPS, 8081 plain static for a
# Kubernetes ingress) so the master process needs no root either.
FROM nginx:1.27-${DEBIAN_RELEASE} AS web
RUN rm -f /etc/nginx/conf.d/default.conf
COPY deploy/nginx/nginx.conf /etc/nginx/nginx.conf
COPY --from=web-build /web/dist /usr/share/nginx/html
EXPOSE 8080 8443 8081
USER 101:101
