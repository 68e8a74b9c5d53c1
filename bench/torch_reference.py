#!/usr/bin/python3
"""PyTorch CPU reference timings for the engine benchmark.

Usage (from the repository root, with Debian's python3-torch installed):

    OPENBLAS_NUM_THREADS=N OMP_NUM_THREADS=N \\
        /usr/bin/python3 bench/torch_reference.py --threads N [--quick]

The script calls torch.set_num_threads(N); the caller must ALSO set
OPENBLAS_NUM_THREADS=N (and preferably OMP_NUM_THREADS=N) in the environment,
because OpenBLAS sizes its own thread pool when the library is loaded, before
this script runs. Note: on VMs that hide the CPU model, Debian's OpenBLAS 0.3.21
(DYNAMIC_ARCH) may fall back to its "Prescott" SSE3 kernels (see the "blas" field);
OPENBLAS_CORETYPE=SkylakeX (or Haswell) forces the AVX-512 (AVX2) kernels. Use /usr/bin/python3: a python3 earlier on PATH may not see
Debian's packages.

Prints ONE JSON object on stdout:
  {"torchVersion", "threads", "blas", "w1SecondsPerEpoch", "w1SecondsPerEpochTotal", "w2MicrosecondsPerStep",
   "gemmGflops": {"256", "512", "1024", "4096"}}

Workloads:
  W1  Linear(784,128)-ReLU-Linear(128,10), CrossEntropy, Adam(lr=1e-3), batch 32,
      one epoch over 60,000 synthetic samples (50 untimed warm-up steps), timed in ten
      consecutive tenths: w1SecondsPerEpoch = 10 x the median tenth (as the engine's side
      of the benchmark), w1SecondsPerEpochTotal = the whole epoch.
  W2  the Iris net 4-128-64-32-16-3 (BatchNorm1d after the first three Linear, ReLU),
      CrossEntropy, SGD(lr=1e-3), batch 4: 200 warm-up steps, 3,000 timed steps;
      microseconds per forward+loss+backward+step+zero_grad.
  GEMM torch.mm of float32 n x n matrices, GFLOP/s = 2n^3/s, best of a few repeats.
--quick skips the 4096 GEMM (reported as null) and times W1 on 10,000 samples,
scaling the result to 60,000.
"""

import argparse
import ctypes
import json
import os
import subprocess
import sys
import time

import torch
import torch.nn as nn


def torch_version():
    # Debian's build reports torch.__version__ == '1.13.0a0'; its package is 1.13.1.
    try:
        if torch.__file__.startswith("/usr/lib/python3/"):
            v = subprocess.run(
                ["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
            if v:
                return v.split(":")[-1].split("+")[0].split("-")[0]
    except Exception:
        pass
    return torch.__version__


def blas_name():
    """Short description of the BLAS actually loaded into this process."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path)
                if any(k in base for k in ("blas", "mkl", "blis", "lapack", "accelerate")):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    for path in sorted(libs):
        if "openblas" in path:
            name = "openblas"
            if "pthread" in path:
                name = "openblas-pthread"
            elif "openmp" in path:
                name = "openblas-openmp"
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_config.restype = ctypes.c_char_p
                cfg = lib.openblas_get_config().decode()
                # e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"
                parts = cfg.split()
                ver = parts[1] if len(parts) > 1 else ""
                core = ""
                try:
                    lib.openblas_get_corename.restype = ctypes.c_char_p
                    core = lib.openblas_get_corename().decode()
                except Exception:
                    pass
                name = f"{name} {ver}" + (f" ({core})" if core else "")
            except Exception:
                pass
            return name
    for path in sorted(libs):
        if "mkl" in path:
            return "mkl"
    if libs:
        return os.path.basename(sorted(libs)[0])
    cfg = torch.__config__.show()
    for tok in cfg.replace(",", " ").split():
        if tok.startswith("BLAS_INFO="):
            return tok.split("=", 1)[1]
    return "unknown"


def bench_w1(samples, scale_to):
    torch.manual_seed(0)
    x_all = torch.randn(samples, 784)
    y_all = torch.randint(0, 10, (samples,))
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    bs = 32

    def step(i):
        xb = x_all[i:i + bs]
        yb = y_all[i:i + bs]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    for k in range(50):  # warm-up
        step((k * bs) % (samples - bs))
    # the epoch in ten consecutive tenths: 10 x the median tenth is the figure (a burst of load
    # on a shared machine slows a tenth or two, not the median), the whole epoch is kept too
    starts = list(range(0, samples, bs))
    tenths = []
    for c in range(10):
        t0 = time.perf_counter()
        for i in starts[len(starts) * c // 10:len(starts) * (c + 1) // 10]:
            step(i)
        tenths.append(time.perf_counter() - t0)
    scale = scale_to / samples
    median = sorted(tenths)[4:6]
    return 10 * (median[0] + median[1]) / 2 * scale, sum(tenths) * scale


def bench_w2(warmup=200, steps=3000):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(4, 128), nn.BatchNorm1d(128), nn.ReLU(),
        nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(),
        nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(),
        nn.Linear(32, 16), nn.ReLU(),
        nn.Linear(16, 3),
    )
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.001)
    n = 256
    x_all = torch.randn(n, 4)
    y_all = torch.randint(0, 3, (n,))
    bs = 4

    def step(k):
        i = (k * bs) % n
        xb = x_all[i:i + bs]
        yb = y_all[i:i + bs]
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    for k in range(warmup):
        step(k)
    t0 = time.perf_counter()
    for k in range(steps):
        step(k)
    dt = time.perf_counter() - t0
    return dt / steps * 1e6


def bench_gemm(n, repeats):
    torch.manual_seed(0)
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    c = torch.empty(n, n)
    torch.mm(a, b, out=c)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()

    env_threads = os.environ.get("OPENBLAS_NUM_THREADS")
    if env_threads != str(args.threads):
        print(f"warning: OPENBLAS_NUM_THREADS={env_threads!r} but --threads {args.threads}; "
              "set OPENBLAS_NUM_THREADS to match", file=sys.stderr)
    torch.set_num_threads(args.threads)

    gemm = {}
    for n, reps in ((256, 20), (512, 10), (1024, 5)):
        gemm[str(n)] = round(bench_gemm(n, reps), 2)
    gemm["4096"] = None if args.quick else round(bench_gemm(4096, 1), 2)

    w1, w1_total = bench_w1(10_000 if args.quick else 60_000, 60_000)
    w2 = bench_w2()

    out = {
        "torchVersion": torch_version(),
        "threads": args.threads,
        "blas": blas_name(),
        "w1SecondsPerEpoch": round(w1, 4),
        "w1SecondsPerEpochTotal": round(w1_total, 4),
        "w2MicrosecondsPerStep": round(w2, 2),
        "gemmGflops": gemm,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
