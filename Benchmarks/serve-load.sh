#!/bin/bash
# Load on `limn serve` (loopback only): requests/s and the server's peak RSS for 50
# upscales x2 of a 1 MP photo one after another, then 40 with 4 at a time (with the
# default --jobs 1 --queue 2, so some get 503: counted).
#
#   Benchmarks/serve-load.sh [LIMN] [PHOTO]
# LIMN defaults to .build/release/limn; PHOTO (scaled to 1 MP) to
# ../shared/datasets/photos/jcjohnson_neural-style/tubingen.jpg. Needs `hey` (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
LIMN=$(realpath "${1:-.build/release/limn}")
PHOTO=${2:-../shared/datasets/photos/jcjohnson_neural-style/tubingen.jpg}
W=$(mktemp -d)
"$LIMN" serve --port 0 > "$W/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 100); do grep -qs listening "$W/log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$W/log")
w=$(vipsheader -f width "$PHOTO"); h=$(vipsheader -f height "$PHOTO")
vips resize "$PHOTO" "$W/in.jpg" "$(python3 -c "print((1e6 / ($w * $h)) ** 0.5)")"
echo "input: $(vipsheader "$W/in.jpg" | cut -d: -f2) ($(stat -c %s "$W/in.jpg") bytes); $(nproc) cores"
for run in "50 1" "40 4"; do
  set -- $run
  hey -t 600 -n "$1" -c "$2" -m POST -T image/jpeg -D "$W/in.jpg" "$url/v1/upscale?scale=2&model=photo" > "$W/hey" 2>&1
  echo "$1 requests, $2 at a time: $(awk '/Requests\/sec/ { print $2 }' "$W/hey") requests/s;" \
    "statuses: $(awk '/^ *\[[0-9]+\]/ { printf "%s ", $0 }' "$W/hey" | tr -s ' ');" \
    "server peak RSS $(awk '/^VmHWM/ { printf "%d MB", $2 / 1024 }' /proc/$pid/status)"
done
