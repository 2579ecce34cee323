#!/usr/bin/env bash
# Wall time and peak RSS of every command on a 0.66, a 10 and a 24 MP photo (the
# Kleiber wallpaper of ../shared/datasets/sr_train/hr_photos, downscaled to 1000 x
# 563, 4224 x 2376 and 6000 x 3375 JPEGs; a synthetic pattern when it is absent),
# beside the time of its network alone over the same blocks (`limn-bench network`:
# decoded input in memory, no output kept) and the command's share of that speed;
# with a second binary, its time and RSS too, runs alternating.
#
#   Benchmarks/commands.sh [BASELINE-LIMN] [work-folder]     (needs: swift build -c release)
# SIZES="0.66 10" and COMMANDS (lines of limn arguments) narrow the run.
set -euo pipefail
cd "$(dirname "$0")/.."
limn=$(realpath .build/release/limn)
base=${1:-}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
bench=$(realpath .build/release/limn-bench)
[ -x "$limn" ] && [ -x "$bench" ] || { echo "run: swift build -c release" >&2; exit 1; }

photo=../shared/datasets/sr_train/hr_photos/lomiri-wallpapers-20.04/Kleiber_by_Lukas_Baubkus.jpg
declare -A width=([0.66]=1000 [10]=4224 [24]=6000)
for mp in 0.66 10 24; do
  [ -f "$work/in$mp.jpg" ] && continue
  if [ -f "$photo" ]; then
    vips thumbnail "$photo" "$work/in$mp.jpg[Q=92]" "${width[$mp]}" 2>/dev/null
  else
    vips xyz "$work/xyz.v" 6028 3391
    vips bandjoin "$work/xyz.v $work/xyz.v" "$work/b.v"
    vips cast "$work/b.v" "$work/c.v" uchar --shift
    vips thumbnail "$work/c.v" "$work/in$mp.jpg[Q=92]" "${width[$mp]}"
    rm -f "$work"/*.v
  fi
done

COMMANDS=${COMMANDS:-"upscale --model lanczos --scale 2
upscale --model photo --scale 2
upscale --model photo --scale 4
stylize --style starry-night
stylize --style starry-night --working-size 0
enhance"}

measure() {  # binary, input, limn arguments...
  local bin=$1 in=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" "$@" --quiet "$in" "$work/out.jpg" > /dev/null
  awk '{ printf "%.2f s, %d MB", $1, $2 / 1024 }' "$work/time.txt"
}

network() {  # input, limn arguments...: the network's own seconds over the command's blocks
  local in=$1 preset=""
  shift
  case "$*" in
    *lanczos*) return ;;
    *"stylize"*"--working-size 0"*) preset=styles ;;
    *stylize*) return ;;   # at the working size, the network is a small part of the run
    *"--scale 4"*) preset=photo_x4 ;;
    upscale*) preset=photo_x2 ;;
    enhance*) preset=deblur ;;
  esac
  "$bench" network "Presets/$preset.safetensors" "$in" | sed -E 's/.*: ([0-9.]+) s,.*/\1/'
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
printf '| %-45s | %5s | %-20s | %9s | %6s |%s\n' command MP "this build" "network" "share" "${base:+ baseline |}"
printf '|%s|%s|%s|%s|%s|%s\n' "---" "---:" "---:" "---:" "---:" "${base:+---:|}"
for mp in ${SIZES:-0.66 10 24}; do
  while read -r args; do
    [ -n "$args" ] || continue
    # shellcheck disable=SC2086
    new=$(measure "$limn" "$work/in$mp.jpg" $args)
    old=""
    # shellcheck disable=SC2086
    [ -n "$base" ] && old=" $(measure "$base" "$work/in$mp.jpg" $args) |"
    # shellcheck disable=SC2086
    net=$(network "$work/in$mp.jpg" $args)
    share=""
    [ -n "$net" ] && share=$(awk -v n="$net" -v c="${new%% s*}" 'BEGIN { printf "%.0f%%", 100 * n / c }')
    printf '| %-45s | %5s | %-20s | %9s | %6s |%s\n' "limn $args" "$mp" "$new" "${net:+$net s}" "$share" "$old"
  done <<< "$COMMANDS"
done
