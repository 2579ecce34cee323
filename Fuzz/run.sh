#!/usr/bin/env bash
# Coverage-guided fuzzing of Limn's parsers with libFuzzer (clang's, as the Swift
# toolchain ships it): builds Fuzz/ with the fuzzer and address sanitizers on every
# module (Limn's too), then runs each target for SECONDS (default 1800), side by side.
#
#   Fuzz/run.sh [SECONDS] [TARGET...]        targets: weights image (default both)
#
# Corpora grow in .build-fuzz/corpus/TARGET (seeded from Fuzz/seeds/TARGET and, for
# weights, the engine's test networks); findings (crash-*, leak-*, timeout-*, oom-*)
# go to .build-fuzz/findings/TARGET and the logs to .build-fuzz/TARGET.log. A finding,
# once fixed, is copied to Fuzz/regressions/TARGET/, which `swift test` replays.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-1800}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(weights image)
work=../.build-fuzz

swift build -c debug --scratch-path "$work/build" -Xswiftc -use-ld=lld \
    -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address >&2
bin=$(swift build -c debug --scratch-path "$work/build" --show-bin-path)

pids=()
for t in "${targets[@]}"; do
    mkdir -p "$work/corpus/$t" "$work/findings/$t"
    cp -n seeds/"$t"/* "$work/corpus/$t/"
    if [ "$t" = weights ]; then
        for f in ../Tests/LimnEngineTests/Fixtures/*.safetensors; do
            case "$f" in *.golden.safetensors) ;; *) cp -n "$f" "$work/corpus/$t/" ;; esac
        done
    fi
    dict=()
    [ -f "$t.dict" ] && dict=(-dict="$t.dict")
    # Errors are expected and quiet; what counts is a crash, a sanitizer report, a leak,
    # more than 10 s on one input or more than 2 GB of memory.
    "$bin/fuzz-$t" "$work/corpus/$t" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=131072 -artifact_prefix="$work/findings/$t/" -print_final_stats=1 > "$work/$t.log" 2>&1 &
    pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
for t in "${targets[@]}"; do
    echo "$t: $(grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units' "$work/$t.log" | tail -1)"
    ls "$work/findings/$t" | sed "s/^/  finding: /"
done
exit $status
