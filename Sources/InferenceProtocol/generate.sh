#!/usr/bin/env bash
# Regenerates the Swift code in Generated/ from the .proto files in Protos/.
#
# The generated code is committed on purpose: generating it at build time (the
# GRPCProtobufGenerator build plugin) would compile protoc and both protoc
# plugins first, which costs ~10 minutes on every cold CI run. Run this script
# after editing a .proto file or bumping swift-protobuf / grpc-swift-protobuf,
# and commit the result.
#
# Needs: protoc (Debian: apt-get install protobuf-compiler) and a Swift
# toolchain. The plugins are built once into $FERRY_PROTOC_PLUGINS
# (default /tmp/ferry-protoc-plugins), pinned to the versions below; keep them
# no newer than the swift-protobuf / grpc-swift-protobuf that Ferry resolves.
set -euo pipefail

SWIFT_PROTOBUF_VERSION="1.39.0"
GRPC_SWIFT_PROTOBUF_VERSION="2.4.1"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
protos="$here/Protos"
out="$here/Generated"
plugins="${FERRY_PROTOC_PLUGINS:-/tmp/ferry-protoc-plugins}"

command -v protoc >/dev/null || {
  echo "protoc not found (apt-get install protobuf-compiler)" >&2
  exit 1
}

build_plugins() {
  mkdir -p "$plugins/Sources/Dummy"
  cat >"$plugins/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription
// Scratch package written by Ferry's Sources/InferenceProtocol/generate.sh.
let package = Package(
    name: "ferry-protoc-plugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "$SWIFT_PROTOBUF_VERSION"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "$GRPC_SWIFT_PROTOBUF_VERSION"),
    ],
    targets: [.target(name: "Dummy", path: "Sources/Dummy")]
)
SWIFT
  echo "// placeholder" >"$plugins/Sources/Dummy/Dummy.swift"
  (cd "$plugins" &&
    swift build -c release --product protoc-gen-swift &&
    swift build -c release --product protoc-gen-grpc-swift-2)
}

bin=""
if [[ -d "$plugins/.build" ]]; then
  bin="$(cd "$plugins" && swift build -c release --show-bin-path)"
fi
if [[ -z "$bin" || ! -x "$bin/protoc-gen-swift" || ! -x "$bin/protoc-gen-grpc-swift-2" ]]; then
  build_plugins
  bin="$(cd "$plugins" && swift build -c release --show-bin-path)"
fi

files=(grpc_predict_v2.proto health.proto)

rm -f "$out"/*.pb.swift "$out"/*.grpc.swift
mkdir -p "$out"
protoc \
  --proto_path="$protos" \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" \
  --swift_opt=Visibility=Public \
  --swift_out="$out" \
  --grpc-swift-2_opt=Visibility=Public,Server=true,Client=true \
  --grpc-swift-2_out="$out" \
  "${files[@]}"

echo "Generated with $(protoc --version), swift-protobuf $SWIFT_PROTOBUF_VERSION," \
  "grpc-swift-protobuf $GRPC_SWIFT_PROTOBUF_VERSION:"
ls -1 "$out"
