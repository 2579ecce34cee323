#!/usr/bin/env bash
# Time and peak memory of the image spine on a 6000x4000 and a 20000x20000 JPEG.
# Usage: Benchmarks/spine.sh [work-folder]   (needs: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
limn=.build/release/limn
bench=.build/release/limn-bench
[ -x "$limn" ] && [ -x "$bench" ] || { echo "run: swift build -c release" >&2; exit 1; }

photo=../shared/datasets/sr_train/hr_photos/lomiri-wallpapers-20.04/Kleiber_by_Lukas_Baubkus.jpg
if [ ! -f "$work/in6000.jpg" ]; then
  if [ -f "$photo" ]; then
    vips resize "$photo" "$work/r.v" 1.0 --vscale 1.18
    vips crop "$work/r.v" "$work/in6000.jpg" 14 0 6000 4000
  else
    vips xyz "$work/xyz.v" 6000 4000
    vips bandjoin "$work/xyz.v $work/xyz.v" "$work/b.v"
    vips cast "$work/b.v" "$work/in6000.jpg" uchar --shift
  fi
  vips resize "$work/in6000.jpg" "$work/r.v" 3.3334 --vscale 5.0
  vips crop "$work/r.v" "$work/in20000.jpg" 0 0 20000 20000
  rm -f "$work"/*.v
fi

measure() {  # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" 2> "$work/time.txt" > /dev/null
  local wall rss
  wall=$(grep "Elapsed (wall clock)" "$work/time.txt" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$work/time.txt" | awk '{print $NF}')
  printf "| %-54s | %10s | %6d MB |\n" "$label" "$wall" $((rss / 1024))
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
echo "| run                                                    |  wall time | peak RSS |"
echo "|--------------------------------------------------------|-----------:|---------:|"
for size in 6000 20000; do
  in="$work/in$size.jpg"
  dims=$(vipsheader "$in" | cut -d: -f2 | cut -d' ' -f2)
  measure "limn upscale --model lanczos --scale 2 ($dims)" "$limn" upscale --model lanczos --scale 2 "$in" "$work/out.jpg"
  measure "vips resize 2 --kernel lanczos3 ($dims)" vips resize "$in" "$work/out.jpg" 2 --kernel lanczos3
  measure "limn-bench tiled, 256 px blocks ($dims)" "$bench" tiled "$in" "$work/out.jpg"
  rm -f "$work/out.jpg"
done
