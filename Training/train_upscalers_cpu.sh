#!/bin/bash
# The six upscalers on a CPU in time-boxed phases, larger scales and the photo
# family fine-tuned from earlier results (the record of the shipped presets;
# fidelity x2 then went on on a GPU, phases G and H of Training/device_train.sh).
# Every run: batch 16 of 48-px LR crops, seed 1, Adam, the rate warmed up and
# cosine-decayed over its minutes.
#   A  fidelity x2 from scratch                                  (2 threads, 35 min)
#   B  fidelity x4 and photo x2, both from fidelity x2            (1 thread each, 35 min)
#   C  fidelity x3 from fidelity x2, photo x4 from fidelity x4,
#      photo x3 from photo x2                                     (1 thread each, 35 min)
#   D  the three fidelity networks again from their own weights,
#      the rate restarted at 2e-4 (a second cosine cycle)          (1 thread each, 28 min)
#   E  fidelity x3 and x4 again from their own weights, one at a time, seed 2,
#      the rate restarted at 2e-4                    (2 threads: x3 40 min, x4 30 min)
#   F  fidelity x3 again at 1e-4 (seed 3) beside x2 again at 2e-4 (seed 2)
#                                                           (1 thread each, 50 min)
#   (G, H  fidelity x2 on a GPU: Training/device_train.sh)
#   J  fidelity x2 from phase H's weights (put them in OUT_DIR first), 64-px crops,
#      rate 1e-4 held after its warm-up, seed 7; the exported weights are a moving
#      average (decay 0.999) of the trained ones               (2 threads, 35 min)
#
#   bash Training/train_upscalers_cpu.sh runs/sr           # PHASES=ABCDEF by default
#   PHASES=J bash Training/train_upscalers_cpu.sh runs/sr  # after G and H
set -eu
cd "$(dirname "$0")/.."
OUT=${1:?usage: train_upscalers_cpu.sh OUT_DIR}
PHASES=${PHASES:-ABCDEF}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
train() {  # minutes family scale threads [init [more train_sr.py options]]
  local minutes=$1 family=$2 scale=$3 threads=$4 init=${5:-}
  shift $(($# < 5 ? $# : 5))
  $PY -m limn_train.train_sr --family "$family" --scale "$scale" --threads "$threads" \
    ${init:+--init "$OUT/$init.safetensors"} --workers 1 --batch 16 --iters 1000000 \
    --max-minutes "$minutes" --eval-every 1000 --seed 1 --out "$OUT" "$@" >> "$OUT/${family}_x$scale.out" 2>&1
}
case $PHASES in *A*) train 35 fidelity 2 2 ;; esac
case $PHASES in *B*) train 35 fidelity 4 1 fidelity_x2 & train 35 photo 2 1 fidelity_x2 & wait ;; esac
case $PHASES in *C*)
  train 35 fidelity 3 1 fidelity_x2 & train 35 photo 4 1 fidelity_x4 & train 35 photo 3 1 photo_x2 & wait ;;
esac
case $PHASES in *D*)
  for s in 2 3 4; do train 28 fidelity $s 1 fidelity_x$s --lr 2e-4 & done
  wait ;;
esac
case $PHASES in *E*)
  train 40 fidelity 3 2 fidelity_x3 --lr 2e-4 --seed 2
  train 30 fidelity 4 2 fidelity_x4 --lr 2e-4 --seed 2 ;;
esac
case $PHASES in *F*)
  train 50 fidelity 3 1 fidelity_x3 --lr 1e-4 --seed 3 & train 50 fidelity 2 1 fidelity_x2 --lr 2e-4 --seed 2 & wait ;;
esac
case $PHASES in *J*) train 35 fidelity 2 2 fidelity_x2 --lr 1e-4 --constant-lr --seed 7 --ema 0.999 --lr-size 64 ;; esac
tail -n 1 "$OUT"/*.out
