#!/bin/bash
# Memory over one batch of 100 photos of different sizes: the resident set kept after
# the 5th, 50th and 99th image (`resident_mb` of the batch's --report: VmRSS once that
# image's buffers are given back), and the batch's peak (VmHWM, sampled). Memory must
# not grow with the number of images (issue 25's target: after 50 within 10% of after
# 5). About 10 minutes on two cores.
#
#   Benchmarks/batch-memory.sh [LIMN] [PHOTO]
# LIMN defaults to .build/release/limn; PHOTO (cropped into 160-700 px pieces, seed 1)
# to ../shared/datasets/photos/google-coral_test_data/bird.bmp.
set -euo pipefail
cd "$(dirname "$0")/.."
LIMN=$(realpath "${1:-.build/release/limn}")
PHOTO=${2:-../shared/datasets/photos/google-coral_test_data/bird.bmp}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
w=$(vipsheader -f width "$PHOTO"); h=$(vipsheader -f height "$PHOTO")
RANDOM=1
mkdir -p "$W/in"
for i in $(seq -w 0 99); do
  cw=$((160 + RANDOM % (${w} < 700 ? w - 159 : 541))); ch=$((160 + RANDOM % (${h} < 700 ? h - 159 : 541)))
  x=$((RANDOM % (w - cw + 1))); y=$((RANDOM % (h - ch + 1)))
  vips crop "$PHOTO" "$W/in/p$i.png" $x $y $cw $ch
done
mb() { awk -v k="$1" 'BEGIN { printf "%d", k / 1024 }'; }
printf '%-26s %10s %10s %10s %10s %8s\n' command "5 (MB)" "50 (MB)" "99 (MB)" "peak (MB)" "50/5"
for cmd in "upscale --model photo" "stylize --style udnie" "enhance"; do
  rm -rf "$W/out"
  mkdir -p "$W/out"
  $LIMN $cmd --quiet --report "$W/report.jsonl" --output-dir "$W/out" "$W/in" > /dev/null &
  pid=$!
  peak=0
  while kill -0 $pid 2>/dev/null; do
    hwm=$(awk '/^VmHWM/ { print $2 }' /proc/$pid/status 2>/dev/null || true)
    [ -n "$hwm" ] && peak=$hwm
    sleep 0.05
  done
  wait $pid
  at() { sed -n "${1}p" "$W/report.jsonl" | python3 -c 'import json, sys; print(json.load(sys.stdin)["resident_mb"])'; }
  printf '%-26s %10s %10s %10s %10s %8s\n' "$cmd" "$(at 5)" "$(at 50)" "$(at 99)" "$(mb $peak)" \
    "$(awk "BEGIN { printf \"%.2f\", $(at 50) / $(at 5) }")"
done
