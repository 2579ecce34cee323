# What the scale-out recipes' scripts share; sourced, not run.

# need TOOL:PACKAGE...: installs each package whose tool is missing.
need() {
  for p in "$@"; do
    command -v "${p%%:*}" >/dev/null || command -v "/usr/sbin/${p%%:*}" >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${p##*:}" >/dev/null; }
  done
}

# photos DIR: 9 small PNGs in DIR/a, DIR/a/x and DIR/b.
photos() {
  for d in a a/x b; do
    mkdir -p "$1/$d"
    for k in 1 2 3; do vips black "$1/t.v" 40 30 --bands 3 && vips linear "$1/t.v" "$1/$d/p$k.png" 1 $((k * 40)); done
  done
  rm -f "$1/t.v"
}

# same_as_one_run NAME LIMN IN OUT: OUT must equal one run of the same command over IN.
same_as_one_run() {
  "$2" upscale --model lanczos --scale 2 --output-dir "$4.one" "$3"
  diff -r "$4.one" "$4" >/dev/null || { echo "$1: outputs differ from a one-machine run"; return 1; }
  n=$(cd "$4.one" && find . -type f | wc -l)
  [ "$n" = 9 ] || { echo "$1: $n outputs, 9 wanted"; return 1; }
}
