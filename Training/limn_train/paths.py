"""Where the shared data lives: ../shared beside the repository, or
$LIMN_SHARED (a compact copy made by limn_train.prepare_data, e.g. on the
GPU machine)."""
import os

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SHARED = os.environ.get("LIMN_SHARED") or os.path.join(REPO, "..", "shared")
DATASETS = os.path.join(SHARED, "datasets")
LOSSNETS = os.path.join(SHARED, "lossnets")
