#!/bin/bash
# The record of the eight per-style presets shipped today, made by the one-style
# trainer of commit 3cce59d (git show 3cce59d:Training/train_style.py); the
# current limn_train.train_style trains the multi-style network that replaces them.
# Trains every shipped style preset, two at a time (one thread each), and
# installs them in Presets/. Exactly how the shipped presets were made:
#
#   bash Training/train_styles.sh runs/styles        # then: python -m limn_train.make_preset_goldens
#
# Environment: PYTHON (default ../venv/bin/python), ITERS (default below),
# LIMN_SHARED (default ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/styles}
PYTHON=${PYTHON:-../venv/bin/python}
STYLES=${LIMN_SHARED:-../shared}/datasets/styles
mkdir -p "$OUT"
common=(--channels 16 --res-blocks 5 --crop 128 --batch 4 --style-size 512 --iters "${ITERS:-2500}"
        --lossnet darknet --style-layers conv2,conv4,conv8,conv12 --content-layer conv4
        --style-weight 2 --tv-weight 0.02 --seed 1 --threads 1 --out "$OUT")

# name | painting file | source and licence (shown by `limn presets`)
PRESETS=(
  "starry-night|starry_night.jpg|Vincent van Gogh, The Starry Night (1889); public domain"
  "great-wave|wave.jpg|Katsushika Hokusai, The Great Wave off Kanagawa (c. 1831); public domain"
  "the-scream|the_scream.jpg|Edvard Munch, The Scream (1893); public domain"
  "composition-vii|composition_vii.jpg|Wassily Kandinsky, Composition VII (1913); public domain"
  "udnie|udnie.jpg|Francis Picabia, Udnie (1913); public domain"
  "shipwreck|shipwreck.jpg|J. M. W. Turner, The Shipwreck (1805); public domain"
  "woman-with-hat|woman-with-hat-matisse.jpg|Henri Matisse, Woman with a Hat (1905); public domain"
  "mosaic|mosaic.jpg|Stained-glass mosaic from jcjohnson/fast-neural-style; origin unknown, personal or research use only"
)

train() {
  IFS='|' read -r name file licence <<< "$1"
  "$PYTHON" -m limn_train.train_style --style "$STYLES/$file" --name "$name" --licence "$licence" "${common[@]}" \
    > "$OUT/$name.log" 2>&1
  tail -n 2 "$OUT/$name.log" | head -n 1 | sed "s/^/$name: /"
}

for ((i = 0; i < ${#PRESETS[@]}; i += 2)); do
  train "${PRESETS[i]}" &
  if ((i + 1 < ${#PRESETS[@]})); then train "${PRESETS[i + 1]}" & fi
  wait
done
"$PYTHON" -m limn_train.add_preset --task style "$OUT"/*.safetensors
