#!/bin/bash
# One command for the GPU machine (the device tool): trains the six
# upscalers and the deblurring network at once, each for MINUTES of wall
# time (the learning rate decays over that time), writing weights and logs
# to $OUT. Prepare and launch from here:
#
#   python Training/prepare_data.py data/shared      # 58 MiB compact copy, git-ignored
#   the device tool's run, carry ["data"], timeout 600: MINUTES=7 bash Training/device_train.sh
#
# then, with the files back: python Training/add_preset.py --task upscale .../sr/*.safetensors
# (and --task enhance .../deblur/deblur.safetensors), python Training/make_preset_goldens.py.
set -u
cd "$(dirname "$0")/.."
export LIMN_SHARED=${LIMN_SHARED:-data/shared} PYTHONUNBUFFERED=1
OUT=${OUT:?set OUT to the folder for weights and logs}
M=${MINUTES:-7}
PY=${PYTHON:-python3}
mkdir -p "$OUT/sr" "$OUT/deblur"
nvidia-smi --query-gpu=name,memory.total --format=csv > "$OUT/gpu.txt" 2>&1
# Training pairs are made on the CPU; per sample on one core (measured on the 2-core machine):
# fidelity 0.6-1.0 ms, photo 1.6-3.5 ms, deblur 7.5 ms. The 16 cores are shared out accordingly.
for family in fidelity photo; do
  workers=1; [ $family = photo ] && workers=2
  for scale in 2 3 4; do
    $PY Training/train_sr.py --family $family --scale $scale --iters 1000000 --max-minutes "$M" \
      --eval-every 1000 --workers $workers --out "$OUT/sr" > "$OUT/sr/${family}_x$scale.out" 2>&1 &
  done
done
$PY Training/train_deblur.py --iters 1000000 --max-minutes "$M" --eval-every 1000 --workers 6 \
  --out "$OUT/deblur" > "$OUT/deblur/deblur.out" 2>&1 &
wait
tail -n 2 "$OUT"/sr/*.out "$OUT"/deblur/*.out
