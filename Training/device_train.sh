#!/bin/bash
# One command for the GPU machine (the device tool lends 15 minutes a session,
# at most 10 a command): continues the two presets furthest from their
# targets, fidelity x2 and deblur, from their shipped weights, side by side for
# MINUTES of wall time each (the rate warmed up and cosine-decayed over that
# time). Training pairs are made on the CPU (per sample on one core, measured
# on the 2-core machine: fidelity 0.8 ms at 64-px LR crops, deblur 5.8 ms at
# 256 px), so the 16 cores go 3 to fidelity x2 and 10 to deblur. Prepare and
# launch from here:
#
#   python -m limn_train.prepare_data data/shared --no-style   # 42 MiB compact copy, git-ignored
#   the device tool's run, carry ["data"], timeout 570: MINUTES=8 bash Training/device_train.sh
#   then, with stage 1's fidelity_x2 in data/device1, timeout 280: STAGE=2 MINUTES=3.2 bash ...
#   a later session, carry ["data"], timeout 540: STAGE=3 MINUTES=7 bash Training/device_train.sh
#   stage 4, the long runs (styles first, then the photo upscalers) from their committed checkpoints:
#   python -m limn_train.prepare_data data/shared; carry ["data"], timeout 560: STAGE=4 MINUTES=8 bash ...
#   and then, here: cp <files>/style_net.pt <files>/photo_strong.pt Training/checkpoints/
#
# Weights and logs land in $OUT (copied there every 10 s, so a run cut short
# still returns its last evaluated weights). Then, here:
#   python -m limn_train.add_preset --task upscale .../fidelity_x2.safetensors
#   python -m limn_train.add_preset --task enhance .../deblur.safetensors
#   python -m limn_train.make_preset_goldens
set -u
cd "$(dirname "$0")/.."
export LIMN_SHARED=${LIMN_SHARED:-data/shared} PYTHONUNBUFFERED=1 PYTHONPATH=$PWD/Training
OUT=${OUT:?set OUT to the folder for weights and logs}
M=${MINUTES:-8}
PY=${PYTHON:-python3}
RUN=${RUN:-/tmp/limn_device_run}
mkdir -p "$RUN" "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>&1; echo "$(nproc) cores"
case ${STAGE:-1} in
1)  # fidelity x2 beside deblur, 8 minutes (the first lent session)
  $PY -m limn_train.train_sr --family fidelity --scale 2 --init Presets/fidelity_x2.safetensors --lr 2e-4 --seed 4 \
    --batch 32 --lr-size 64 --workers 3 --iters 1000000 --eval-every 1000 --max-minutes "$M" \
    --out "$RUN" > "$RUN/fidelity_x2.out" 2>&1 &
  $PY -m limn_train.train_deblur --init Presets/deblur.safetensors --lr 1e-3 --seed 2 --crop 256 --batch 16 \
    --workers 10 --iters 1000000 --eval-every 1000 --max-minutes "$M" \
    --out "$RUN" > "$RUN/deblur.out" 2>&1 & ;;
2)  # fidelity x2 alone from stage 1's weights (carried in data/device1), larger batch, lower rate
  $PY -m limn_train.train_sr --family fidelity --scale 2 --init data/device1/fidelity_x2.safetensors --lr 1.5e-4 \
    --seed 5 --batch 64 --lr-size 64 --workers 10 --iters 1000000 --eval-every 1000 --max-minutes "$M" \
    --out "$RUN" > "$RUN/fidelity_x2.out" 2>&1 & ;;
3)  # the fused deblurrer from its preset at two peak rates side by side, batch 32 of 192-px crops,
    # 7 data workers each (blur and deconvolution run on the GPU); weights kept at 50, 75 and 100%
  for v in "a 3e-4 21" "b 1e-4 22"; do set -- $v
    $PY -m limn_train.train_deblur_fused --resume Presets/deblur.safetensors --lr "$2" --seed "$3" --cosine \
      --crop 192 --batch 32 --workers 7 --threads 1 --minutes "$M" --keep 0.5 0.75 \
      --out "$RUN/$1" > "$RUN/$1.out" 2>&1 &
  done ;;
4)  # the style network and the photo upscalers continue their CPU runs' checkpoints, larger batches
  cp Training/checkpoints/style_net.pt Training/checkpoints/photo_strong.pt "$RUN"/
  $PY -m limn_train.train_style --checkpoint "$RUN/style_net.pt" --batch 16 --minutes "$M" --save-minutes 1 \
    > "$RUN/style_net.out" 2>&1 &
  $PY -m limn_train.train_sr_gan --checkpoint "$RUN/photo_strong.pt" --batch 16 --minutes "$M" --save-minutes 1 \
    > "$RUN/photo_strong.out" 2>&1 & ;;
esac
keep() {  # copies what exists so far; the weights through a temporary name, so none comes back half-written
  for f in "$RUN"/*.safetensors "$RUN"/*/*.safetensors "$RUN"/*.pt; do   # $RUN/a/x.safetensors comes back as a_x.safetensors
    [ -f "$f" ] && cp "$f" "$OUT/tmp.part" && mv "$OUT/tmp.part" "$OUT/$(echo "${f#"$RUN"/}" | tr / _)"
  done
  cp "$RUN"/*.out "$OUT"/ 2>/dev/null
}
while [ -n "$(jobs -r)" ]; do sleep 10; keep; done
keep
tail -n 3 "$RUN"/*.out
