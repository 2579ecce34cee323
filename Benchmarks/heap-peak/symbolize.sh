#!/usr/bin/env bash
# Prints heappeak's report with each "module+offset" frame as its functions and source lines
# (inlined ones included: addr2line -i; Swift names demangled), largest groups first.
#   Benchmarks/heap-peak/symbolize.sh peak.txt [groups]
set -euo pipefail
head -1 "$1"
grep " blocks:" "$1" | sort -t' ' -k2 -rn | head -"${2:-12}" | while read -r line; do
  echo "${line%%:*blocks:*}:${line#*: }" | sed -E 's/ [^ ]+\+0x.*//'
  for frame in ${line#*blocks:}; do
    module=${frame%+*} offset=${frame##*+}
    [ -f "$module" ] || continue
    case "$module" in *heappeak.so) continue ;; esac
    addr2line -i -f -e "$module" "$offset" | paste - - | while IFS=$'\t' read -r name place; do
      echo "    $(echo "$name" | swift demangle --simplified 2>/dev/null | cut -c1-90)  ${place##*/} ($(basename "$module"))"
    done
  done
done
