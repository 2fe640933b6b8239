#!/usr/bin/env bash
# Builds and runs Ferry's libFuzzer targets: the Wire frame decoder, the
# ingress's request decoder and the Open Inference Protocol's HTTP decoder,
# each for RUNS inputs (default 1,000,000).
#   Tests/Fuzz/run.sh [RUNS]
# Needs the Swift toolchain (its clang runtime provides libFuzzer). Crashes are
# written to .build/fuzz/ as crash-* files; rerun one with
#   .build/fuzz/frame-decoder .build/fuzz/crash-…
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-1000000}"
out=.build/fuzz
mkdir -p "$out/corpus-frame" "$out/corpus-http" "$out/corpus-inference"

# Seed corpus from the text file (hex frames, JSON bodies).
n=0
while IFS= read -r line; do
  case "$line" in
    "frame "*) printf "$(echo "${line#frame }" | sed 's/../\\x&/g')" > "$out/corpus-frame/seed$n" ;;
    "http "*) printf '\001%s' "${line#http }" > "$out/corpus-http/seed$n" ;;
    "infer "*) printf '\377%s' "${line#infer }" > "$out/corpus-inference/seed$n" ;;
  esac
  n=$((n + 1))
done < Tests/Fuzz/corpus.txt

echo "building fuzz targets…"
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name WireFuzz \
  Sources/Wire/*.swift Tests/Fuzz/FrameDecoderFuzz.swift -o "$out/frame-decoder"
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name RequestFuzz \
  Sources/Ingress/ClassifyRequestDecoder.swift Tests/Fuzz/RequestDecoderFuzz.swift -o "$out/request-decoder"
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name InferenceFuzz \
  Sources/OpenInference/*.swift Tests/Fuzz/InferenceDecoderFuzz.swift -o "$out/inference-decoder"

for target in frame-decoder request-decoder inference-decoder; do
  corpus="$out/corpus-${target%%-*}"
  [ "$target" = request-decoder ] && corpus="$out/corpus-http"
  echo "fuzzing $target for $runs inputs…"
  start=$(date +%s)
  "$out/$target" -runs="$runs" -max_len=4096 -artifact_prefix="$out/" -print_final_stats=1 "$corpus" 2>&1 | tail -n 12
  echo "$target: $runs inputs in $(( $(date +%s) - start )) s, no crash"
done
