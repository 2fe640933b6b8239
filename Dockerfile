# Ferry's container image: the supervisor and the child processes it starts,
# the built-in strategy plugins and the Swift runtime they load, on Debian
# bookworm, as a non-root user.
#
#   docker build -t ferry .
#   docker run --rm -p 8000:8000 -p 8001:8001 ferry                  # sjf, simulated backend
#   docker run --rm -p 8000:8000 -p 8001:8001 ferry --strategy plugins/fair.so --log-format json
#
# Arguments after the image name replace the default `--strategy plugins/sjf.so`
# and go to `supervisor` as they are. The ports are FERRY_PORT (HTTP, default
# 8000) and FERRY_GRPC_PORT (gRPC, 8001), given as environment variables
# (`-e FERRY_PORT=9000`) so that the health check follows them. Your own
# plugins go in /opt/ferry/plugins (`-v $PWD/my.so:/opt/ferry/plugins/my.so:ro`,
# then `--strategy plugins/my.so`).
#
# The base images are arguments so that a machine without a registry can
# name local ones (.ci/container-bases makes them; .ci/container-build uses them).

ARG BUILD_IMAGE=docker.io/library/swift:6.3-bookworm
ARG RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim

# ---- build: release binaries, plugins, and the Swift runtime libraries they link
FROM ${BUILD_IMAGE} AS build
# libuv (and hiredis) headers; apt only when missing, so a base that has them needs no network.
RUN if ! command -v pkg-config >/dev/null || ! pkg-config --exists libuv hiredis; then \
      apt-get update -q \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
           libuv1-dev libhiredis-dev pkg-config \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
COPY . .
# .build is a cache mount: a rebuild after a change recompiles what changed,
# not every dependency. Out of it into /out: every executable (the supervisor
# and the children it starts; not the bench) and the lib*.so plugins, with the
# Swift runtime libraries they link; all without debug info (ingress 120 ->
# 46 MB; the symbols stay, for crash backtraces).
RUN --mount=type=cache,id=ferry-build,target=/src/.build,sharing=locked \
    swift build -c release \
    && bin="$(swift build -c release --show-bin-path)" \
    && mkdir -p /out/bin /out/lib \
    && find "$bin" -maxdepth 1 -type f -perm -u+x ! -name bench -exec cp -t /out/bin/ {} + \
    && ldd /out/bin/* | awk '$3 ~ /\/lib\/swift\// { print $3 }' | sort -u | xargs cp -t /out/lib/ \
    && strip --strip-debug /out/bin/* /out/lib/*

# ---- runtime
FROM ${RUNTIME_IMAGE}
# ca-certificates: for https:// upstreams.
RUN if ! dpkg -s libuv1 libhiredis0.14 ca-certificates >/dev/null 2>&1; then \
      apt-get update -q \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libuv1 libhiredis0.14 ca-certificates \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
    && groupadd --gid 10001 ferry \
    && useradd --uid 10001 --gid ferry --home-dir /nonexistent --no-create-home \
         --shell /usr/sbin/nologin ferry
# The Swift runtime (changes with the toolchain only, so its layer is reused).
COPY --from=build /out/lib/ /opt/ferry/lib/
RUN echo /opt/ferry/lib >/etc/ld.so.conf.d/ferry-swift.conf && ldconfig
# The supervisor starts its children from its own directory and finds the
# built-in plugins (libNAME.so, named plugins/NAME.so) there too.
COPY --from=build /out/bin/ /opt/ferry/bin/
WORKDIR /opt/ferry
# plugins/: the drop-in folder. /var/lib/ferry: the user's, for --learned-calls-dir on a
# volume (a new named volume takes this folder's owner). And fail here, not at start,
# if a library is missing.
RUN mkdir plugins && mkdir -p /var/lib/ferry && chown ferry:ferry /var/lib/ferry && ! ldd bin/* | grep 'not found'
USER ferry:ferry
ENV FERRY_HOST=0.0.0.0 FERRY_PORT=8000 FERRY_GRPC_PORT=8001
EXPOSE 8000 8001
# Ready (200 on /readyz) once the scheduler and a worker are connected. bash's
# /dev/tcp does the request: no curl in the image.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/$FERRY_PORT && printf 'GET /readyz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && read -r -t 3 _ code _ <&3 && [ \"$code\" = 200 ]"]
# SIGTERM (docker stop) drains: every queued request is answered, then exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/bin/sh", "-c", "exec /opt/ferry/bin/supervisor --host \"$FERRY_HOST\" --port \"$FERRY_PORT\" --grpc-port \"$FERRY_GRPC_PORT\" \"$@\"", "supervisor"]
CMD ["--strategy", "plugins/sjf.so"]
