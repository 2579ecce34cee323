"""What the long, interrupted training runs share (train_style, train_sr_gan):
their command-line options, and a loop guard that stops on SIGTERM/SIGINT, at a
time or iteration limit, and saves the whole state atomically every few minutes
and at the end, so a run continues from its checkpoint where it stopped."""
import os
import signal
import time

import torch


def add_arguments(ap):
    ap.add_argument("--checkpoint", required=True, help="the run's state; continued when it exists")
    ap.add_argument("--minutes", type=float, default=0, help="stop after this long (0: when stopped)")
    ap.add_argument("--iters", type=int, default=0, help="stop at this total iteration count (0: no limit)")
    ap.add_argument("--save-minutes", type=float, default=10, help="checkpoint this often")
    ap.add_argument("--lr", type=float, default=0, help="learning rate from now on (0: the run's own)")
    ap.add_argument("--batch", type=int, default=0, help="batch size from now on (0: the run's own), e.g. larger on a GPU")
    ap.add_argument("--seed", type=int, default=1, help="for a new run; a continued run keeps its generators")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")


def load(path):
    """The checkpoint at `path`, or None for a new run."""
    return torch.load(path, weights_only=False) if os.path.exists(path) else None


class Guard:
    """`while guard.running(it): ...; guard.tick(it)` runs until stopped, and saves
    `state()` to the checkpoint every `save_minutes` and once at the end."""

    def __init__(self, a, state):
        self.path, self.state, self.a = a.checkpoint, state, a
        self.start = self.last_save = time.time()
        self.stopped = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: setattr(self, "stopped", True))

    def running(self, it):
        a = self.a
        return not self.stopped and (not a.minutes or time.time() - self.start < a.minutes * 60) \
            and (not a.iters or it < a.iters)

    def tick(self):
        if time.time() - self.last_save > self.a.save_minutes * 60:
            self.save()

    def save(self):
        tmp = self.path + ".tmp"
        s = self.state()
        torch.save(s, tmp)
        os.replace(tmp, self.path)
        self.last_save = time.time()
        print(f"checkpoint at iteration {s['iter']} ({s['seconds'] / 3600:.2f} h)", flush=True)


def run(ap, train, export):
    """Parses the options and trains, or with --export writes the checkpoint's presets."""
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    (export if a.export else train)(a)
