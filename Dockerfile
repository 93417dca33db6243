# annexa container image: a release build of the `annexa` CLI on a minimal, non-root runtime.
#
# UNTESTED BUILD: there is no Docker engine where annexa is developed, so this file is never
# built by the test suite. What the tests do check (crates/annexa-cli/tests/integration/
# gitlab_template.rs): annexa's own Dockerfile checks pass on it, every base image is pinned by
# digest, and the runtime stage runs as a non-root user.
#
# Build (BuildKit, the default builder since Docker Engine 23, for the cache mounts):
#   docker build -t annexa .
# Scan the current folder (mounted read-only at the working directory /src):
#   docker run --rm -v "$PWD:/src:ro" annexa
#   docker run --rm -v "$PWD:/src:ro" annexa scan . --fail-on high --format json > annexa-report.json
#
# The runtime image has no `git`, so a scan inside it records files as working-tree evidence
# (no origin remote, no commit); run the binary on the host for repo-commit provenance.
#
# Base images are pinned by digest; let Dependabot or Renovate (docker ecosystem) move them.

# ---- build stage ----------------------------------------------------------------------------
FROM rust:1-slim-bookworm@sha256:99e09cb2284e2ddbb73a995deee3e91783fd04d177602ccf6eab326d778ee777 AS build

# The toolchain shipped at this digest is not what annexa is tested with: select 1.95.0
# (the workspace's rust-version) explicitly.
ENV RUSTUP_TOOLCHAIN=1.95.0 \
    CARGO_TERM_COLOR=never
RUN rustup toolchain install 1.95.0 --profile minimal \
    && rustc --version

WORKDIR /build
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates

# The registry and the target folder live in BuildKit cache mounts, so a source change rebuilds
# only annexa's crates, not its dependencies. The binary is copied out of the cache mount.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/build/target \
    cargo build --release --locked -p annexa-cli \
    && install -D -m 0755 target/release/annexa /out/annexa

# ---- runtime stage --------------------------------------------------------------------------
FROM gcr.io/distroless/cc-debian12:nonroot@sha256:bd2899c12b335c827750ccf2359879eab09c09b206023dcebea408947d54127c

LABEL org.opencontainers.image.source="https://github.com/annexa-dev/annexa" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.title="annexa" \
      org.opencontainers.image.description="annexa: ISO/IEC 27001:2022 evidence from CI/CD pipelines, repositories and source platforms."

COPY --from=build /out/annexa /usr/local/bin/annexa

# distroless `nonroot`: uid and gid 65532, no shell, no package manager.
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/annexa"]
CMD ["scan", "."]
