#!/bin/bash
# Memory over one batch of 100 photos of different sizes: the resident set (VmRSS)
# just after the 5th, 50th and 99th output appears, and the batch's peak (VmHWM).
# Memory must not grow with the number of images (issue 25's target: after 50 within
# 10% of after 5). Takes about 10 minutes on two cores (enhance is the slow one).
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
  $LIMN $cmd --quiet --output-dir "$W/out" "$W/in" > /dev/null &
  pid=$!
  declare -A at=()
  peak=0
  while kill -0 $pid 2>/dev/null; do
    n=$(ls "$W/out" | wc -l)
    status=$(cat /proc/$pid/status 2>/dev/null || true)
    rss=$(awk '/^VmRSS/ { print $2 }' <<< "$status")
    hwm=$(awk '/^VmHWM/ { print $2 }' <<< "$status")
    [ -n "$hwm" ] && peak=$hwm
    for mark in 5 50 99; do
      if [ "$n" -ge $mark ] && [ -z "${at[$mark]:-}" ] && [ -n "$rss" ]; then at[$mark]=$rss; fi
    done
    sleep 0.05
  done
  wait $pid
  printf '%-26s %10s %10s %10s %10s %8s\n' "$cmd" "$(mb "${at[5]}")" "$(mb "${at[50]}")" "$(mb "${at[99]}")" "$(mb $peak)" \
    "$(awk "BEGIN { printf \"%.2f\", ${at[50]} / ${at[5]} }")"
  unset at
done
