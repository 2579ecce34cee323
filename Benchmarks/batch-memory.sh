#!/bin/bash
# Peak RSS of one batch after 5 and after 50 (and 100) photos of different sizes:
# memory must not grow with the number of images (issue 25's target: within 10%).
# Takes about 10 minutes on two cores (enhance is the slow one).
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
mkdir -p "$W/in5" "$W/in50" "$W/in100"
for i in $(seq -w 0 99); do
  cw=$((160 + RANDOM % (${w} < 700 ? w - 159 : 541))); ch=$((160 + RANDOM % (${h} < 700 ? h - 159 : 541)))
  x=$((RANDOM % (w - cw + 1))); y=$((RANDOM % (h - ch + 1)))
  vips crop "$PHOTO" "$W/in100/p$i.png" $x $y $cw $ch
  [ "$i" -lt 50 ] && cp "$W/in100/p$i.png" "$W/in50/"
  [ "$i" -lt 5 ] && cp "$W/in100/p$i.png" "$W/in5/"
done
printf '%-26s %10s %10s %10s %8s\n' command "5 (MB)" "50 (MB)" "100 (MB)" "100/5"
for cmd in "upscale --model photo" "stylize --style udnie" "enhance"; do
  rss=()
  for n in 5 50 100; do
    rm -rf "$W/out"
    /usr/bin/time -f %M -o "$W/t" $LIMN $cmd --quiet --output-dir "$W/out" "$W/in$n" >/dev/null
    rss+=($(( $(cat "$W/t") / 1024 )))
  done
  printf '%-26s %10s %10s %10s %8s\n' "$cmd" "${rss[0]}" "${rss[1]}" "${rss[2]}" "$(awk "BEGIN { printf \"%.2f\", ${rss[2]} / ${rss[0]} }")"
done
