"""Learning-rate schedule by progress, for runs limited by iterations or by
time (the GPU machine lends minutes, not iterations)."""
import math
import time


class Schedule:
    """Linear warm-up over the first `warmup` of the run, then cosine decay
    to 1% of the base rate (or, without `decay`, the base rate to the end).
    Progress is the larger of iterations done over `iters` and time spent
    over `max_minutes` (when set), so a run stopped by its time limit still
    ends with its rate decayed."""

    def __init__(self, opt, iters, max_minutes=0.0, warmup=0.02, decay=True):
        self.opt, self.iters, self.seconds, self.warmup, self.decay = opt, iters, max_minutes * 60, warmup, decay
        self.base = [g["lr"] for g in opt.param_groups]
        self.start = time.time()
        self.progress = 0.0
        self.step(0)

    def step(self, it):
        """Sets the rate for iteration `it + 1`; returns the progress in [0, 1]."""
        p = it / self.iters
        if self.seconds:
            p = max(p, (time.time() - self.start) / self.seconds)
        self.progress = min(1.0, p)
        f = min(1.0, (self.progress + 1e-9) / self.warmup) if self.warmup else 1.0
        if self.decay:
            f *= 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * self.progress))
        for g, lr in zip(self.opt.param_groups, self.base):
            g["lr"] = lr * f
        return self.progress

    @property
    def done(self):
        return self.progress >= 1.0

    @property
    def elapsed(self):
        return time.time() - self.start
