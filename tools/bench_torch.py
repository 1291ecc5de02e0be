#!/usr/bin/env python3
"""Times in PyTorch the workloads that tapegrad's benchmarks time (benchmarks/.../Workloads.java).

Same shapes, same ops, same names, same timing procedure as Timing.java: warm up, then the
median of several samples, each a batch of calls. PyTorch runs on 2 threads, like tapegrad's
matmul on this 2-core machine. Output: one `name<TAB>seconds` line per workload, and comment
lines starting with '#'. The Compare runner in the benchmarks module reads it.

    python3 tools/bench_torch.py [--quick] [--threads N] [--cpu-time]

--cpu-time times the calling thread's CPU time (time.thread_time) instead of wall time: the cost of
the work itself on a busy machine, meaningful with --threads 1 only.
"""
import argparse
import math
import os
import time

torch = None  # imported in main(), once the thread count is in the environment
F = None
clock = time.perf_counter

MATMUL_SIZES = [64, 128, 256, 512, 1024]
SMALL_OP_LENGTH = 8
MLP_IN, MLP_HIDDEN, MLP_OUT = 784, 128, 10
MLP_BATCHES = [1, 32]
RECURRENT_CELLS = ["lstm", "gru", "rnn"]
CHAR_VOCAB, CHAR_EMBED, CHAR_HIDDEN, CHAR_STEPS, CHAR_BATCH = 49, 32, 128, 64, 32


def window(task, seconds):
    """Calls task for about `seconds` (at least 3 times); the mean time per call."""
    calls = 0
    start = clock()
    while True:
        task()
        calls += 1
        if clock() - start >= seconds and calls >= 3:
            return (clock() - start) / calls


def median_seconds(task, warmup_seconds, sample_seconds, samples):
    """Warm up for at least warmup_seconds and until two windows agree within 10%
    (at most 30 s), then the median of `samples` batches: the procedure of Timing.java."""
    start = clock()
    previous = math.nan
    while True:
        per_call = window(task, max(0.1, warmup_seconds / 4))
        elapsed = clock() - start
        stable = abs(per_call - previous) <= 0.1 * min(per_call, previous)
        if elapsed >= 30 or (elapsed >= warmup_seconds and stable):
            break
        previous = per_call
    batch = int(max(1, min(1_000_000, sample_seconds / per_call)))
    times = []
    for _ in range(samples):
        t0 = clock()
        for _ in range(batch):
            task()
        times.append((clock() - t0) / batch)
    times.sort()
    return times[samples // 2]


def workloads():
    g = torch.Generator().manual_seed(1)
    for size in MATMUL_SIZES:
        a = torch.randn(size, size, generator=g)
        b = torch.randn(size, size, generator=g)
        yield f"matmul {size}", (lambda a=a, b=b: torch.matmul(a, b))

    for record in (False, True):
        a = torch.randn(SMALL_OP_LENGTH, generator=g).requires_grad_(record)
        b = torch.randn(SMALL_OP_LENGTH, generator=g).requires_grad_(record)
        name = "add [8]" + (" requires_grad" if record else "")
        yield name, (lambda a=a, b=b: torch.add(a, b))

    for batch in MLP_BATCHES:
        x = torch.randn(batch, MLP_IN, generator=g)
        targets = torch.randint(0, MLP_OUT, (batch,), generator=g)
        s1, s2 = 1 / math.sqrt(MLP_IN), 1 / math.sqrt(MLP_HIDDEN)
        params = [
            (torch.rand(MLP_IN, MLP_HIDDEN, generator=g) * 2 - 1).mul_(s1).requires_grad_(),
            (torch.rand(MLP_HIDDEN, generator=g) * 2 - 1).mul_(s1).requires_grad_(),
            (torch.rand(MLP_HIDDEN, MLP_OUT, generator=g) * 2 - 1).mul_(s2).requires_grad_(),
            (torch.rand(MLP_OUT, generator=g) * 2 - 1).mul_(s2).requires_grad_(),
        ]

        def step(x=x, targets=targets, params=params):
            w1, b1, w2, b2 = params
            for p in params:
                p.grad = None
            hidden = torch.relu(torch.matmul(x, w1) + b1)
            logits = torch.matmul(hidden, w2) + b2
            loss = F.cross_entropy(logits, targets)
            loss.backward()
            return loss

        yield f"mlp step batch {batch}", step

    # One training step of the char-rnn example's model: embedding, one recurrent layer, linear
    # head, cross-entropy, backward, Adam (Workloads.CharStep)
    for cell in RECURRENT_CELLS:
        torch.manual_seed(4)
        embedding = torch.nn.Embedding(CHAR_VOCAB, CHAR_EMBED)
        rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](CHAR_EMBED, CHAR_HIDDEN)
        head = torch.nn.Linear(CHAR_HIDDEN, CHAR_VOCAB)
        parameters = [*embedding.parameters(), *rnn.parameters(), *head.parameters()]
        adam = torch.optim.Adam(parameters, lr=1e-3)
        inputs = torch.randint(0, CHAR_VOCAB, (CHAR_STEPS, CHAR_BATCH), generator=g)
        targets = torch.randint(0, CHAR_VOCAB, (CHAR_STEPS * CHAR_BATCH,), generator=g)

        def char_step(embedding=embedding, rnn=rnn, head=head, adam=adam, inputs=inputs, targets=targets):
            h, _ = rnn(embedding(inputs))
            loss = F.cross_entropy(head(h.reshape(-1, CHAR_HIDDEN)), targets)
            adam.zero_grad()
            loss.backward()
            adam.step()
            return loss

        yield f"{cell} char step", char_step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter warm-up and fewer samples")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time the calling thread's CPU time instead of wall time")
    args = parser.parse_args()
    global clock, torch, F
    if args.cpu_time:
        clock = time.thread_time
    # Debian's torch multiplies matrices with OpenBLAS, which sizes its own thread pool from the
    # environment when it loads, whatever torch.set_num_threads says
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    import torch as torch_module
    import torch.nn.functional as functional
    torch, F = torch_module, functional
    torch.set_num_threads(args.threads)
    warmup, sample, samples = (0.2, 0.02, 5) if args.quick else (1.0, 0.05, 15)
    print(f"# torch {torch.__version__}", flush=True)
    print(f"# threads {torch.get_num_threads()}", flush=True)
    print(f"# clock {'thread cpu time' if args.cpu_time else 'wall time'}", flush=True)
    for name, task in workloads():
        seconds = median_seconds(task, warmup, sample, samples)
        print(f"{name}\t{seconds!r}", flush=True)


if __name__ == "__main__":
    main()
