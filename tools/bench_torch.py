#!/usr/bin/env python3
"""Times in PyTorch the workloads that tapegrad's benchmarks time (benchmarks/.../Workloads.java).

Same shapes, same ops, same optimizer, same names, same timing procedure and settings as
Timing.java: warm up, then the median of several samples, each a batch of calls. Output: one
`name<TAB>seconds` line per workload, after comment lines `# key value` (torch version, threads).
The Compare runner in the benchmarks module starts it once per thread setting and round:

    /usr/bin/python3 tools/bench_torch.py [--quick] [--threads N] [--only NAME,NAME...]

On 2 threads, run it with OMP_WAIT_POLICY=PASSIVE (Compare does): PyTorch's OpenMP threads
otherwise spin-wait against OpenBLAS's own threads on a 2-core machine and run up to 4x slower.
"""
import argparse
import math
import os
import time

torch = None  # imported in main(), once the thread count is in the environment
F = None
clock = time.perf_counter

MATMUL_SIZES = [256, 512, 1024]
SMALL_OP_LENGTH = 8
CHAIN_OPS = 100
MLP_SMALL = [784, 128, 10]
MLP_DEEP = [784, 256, 128, 10]
MLP_BATCHES = [1, 32, 64]
CHAR_VOCAB, CHAR_EMBED, CHAR_HIDDEN, CHAR_STEPS, CHAR_BATCH = 49, 32, 128, 64, 32
LEARNING_RATE = 1e-3
# Timing.QUICK and Timing.FULL: warm-up seconds, seconds per sample, samples
QUICK = (0.3, 0.05, 3)
FULL = (1.5, 0.15, 7)


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
    (at most 10 s), then the median of `samples` batches: the procedure of Timing.java."""
    start = clock()
    previous = math.nan
    while True:
        per_call = window(task, max(0.1, warmup_seconds / 4))
        elapsed = clock() - start
        stable = abs(per_call - previous) <= 0.1 * min(per_call, previous)
        if elapsed >= 10 or (elapsed >= warmup_seconds and stable):
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
    mid = len(times) // 2
    return times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2


def uniform(g, scale, *shape):
    return (torch.rand(*shape, generator=g) * 2 - 1).mul_(scale)


def mlp(g, batch, sizes):
    """Workloads.Mlp: relu perceptron on [in, out] weights, cross-entropy, Adam."""
    x = torch.randn(batch, sizes[0], generator=g)
    targets = torch.randint(0, sizes[-1], (batch,), generator=g)
    params = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        scale = 1 / math.sqrt(n_in)
        params += [uniform(g, scale, n_in, n_out).requires_grad_(),
                   uniform(g, scale, n_out).requires_grad_()]
    adam = torch.optim.Adam(params, lr=LEARNING_RATE)

    def step():
        h = x
        for i in range(0, len(params), 2):
            h = torch.matmul(h, params[i]) + params[i + 1]
            if i + 2 < len(params):
                h = torch.relu(h)
        loss = F.cross_entropy(h, targets)
        adam.zero_grad()
        loss.backward()
        adam.step()
        return loss

    return "mlp " + "-".join(map(str, sizes)) + f" batch {batch}", step


def char_step(g, cell, hidden, layers):
    """Workloads.CharStep: embedding 49->32, recurrent layers, linear head, cross-entropy, Adam."""
    torch.manual_seed(4)
    embedding = torch.nn.Embedding(CHAR_VOCAB, CHAR_EMBED)
    rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](
        CHAR_EMBED, hidden, num_layers=layers)
    head = torch.nn.Linear(hidden, CHAR_VOCAB)
    parameters = [*embedding.parameters(), *rnn.parameters(), *head.parameters()]
    adam = torch.optim.Adam(parameters, lr=LEARNING_RATE)
    inputs = torch.randint(0, CHAR_VOCAB, (CHAR_STEPS, CHAR_BATCH), generator=g)
    targets = torch.randint(0, CHAR_VOCAB, (CHAR_STEPS * CHAR_BATCH,), generator=g)

    def step():
        h, _ = rnn(embedding(inputs))
        loss = F.cross_entropy(head(h.reshape(-1, hidden)), targets)
        adam.zero_grad()
        loss.backward()
        adam.step()
        return loss

    return char_name(cell, hidden, layers), step


def char_name(cell, hidden, layers):
    """CharStep.name(): lstm char step, lstm h512 char step, lstm 2-layer char step."""
    return (cell + ("" if hidden == CHAR_HIDDEN else f" h{hidden}")
            + ("" if layers == 1 else f" {layers}-layer") + " char step")


def chain(g):
    """Workloads.Chain: 100 elementwise ops on an [8] vector, alternately * w and + b, summed,
    then backward."""
    x = torch.randn(SMALL_OP_LENGTH, generator=g).requires_grad_()
    w = torch.rand(SMALL_OP_LENGTH, generator=g) * 0.2 + 0.9
    b = torch.randn(SMALL_OP_LENGTH, generator=g)

    def step():
        x.grad = None
        y = x
        for i in range(CHAIN_OPS):
            y = y * w if i % 2 == 0 else y + b
        s = y.sum()
        s.backward()
        return s

    return f"chain {CHAIN_OPS} ops", step


def workloads():
    """(name, task) in the order of Workloads.all(), built lazily so --only builds only those."""
    g = torch.Generator().manual_seed(1)
    for size in MATMUL_SIZES:
        def build(size=size):
            a = torch.randn(size, size, generator=g)
            b = torch.randn(size, size, generator=g)
            return lambda: torch.matmul(a, b)
        yield f"matmul {size}", build
    for batch in MLP_BATCHES:
        yield "mlp " + "-".join(map(str, MLP_SMALL)) + f" batch {batch}", \
            (lambda batch=batch: mlp(g, batch, MLP_SMALL)[1])
    yield "mlp " + "-".join(map(str, MLP_DEEP)) + " batch 64", lambda: mlp(g, 64, MLP_DEEP)[1]
    for cell, hidden, layers in [("lstm", CHAR_HIDDEN, 1), ("gru", CHAR_HIDDEN, 1),
                                 ("rnn", CHAR_HIDDEN, 1), ("lstm", 512, 1),
                                 ("lstm", CHAR_HIDDEN, 2)]:
        yield char_name(cell, hidden, layers), \
            (lambda c=cell, h=hidden, n=layers: char_step(g, c, h, n)[1])
    yield f"chain {CHAIN_OPS} ops", lambda: chain(g)[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter warm-up and fewer samples")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    parser.add_argument("--only", help="comma-separated workload names")
    args = parser.parse_args()
    global torch, F
    # Debian's torch multiplies matrices with OpenBLAS, which sizes its own thread pool from the
    # environment when it loads, whatever torch.set_num_threads says
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    import torch as torch_module
    import torch.nn.functional as functional
    torch, F = torch_module, functional
    torch.set_num_threads(args.threads)
    warmup, sample, samples = QUICK if args.quick else FULL
    only = None if args.only is None else set(args.only.split(","))
    known = [name for name, _ in workloads()]
    if only is not None and not only <= set(known):
        parser.error(f"--only: unknown workloads {sorted(only - set(known))}; known: {known}")
    print(f"# torch {torch.__version__}", flush=True)
    print(f"# threads {torch.get_num_threads()}", flush=True)
    print(f"# omp-wait-policy {os.environ.get('OMP_WAIT_POLICY', '(not set)')}", flush=True)
    print(f"# python {'.'.join(map(str, __import__('sys').version_info[:3]))}", flush=True)
    for name, build in workloads():
        if only is None or name in only:
            seconds = median_seconds(build(), warmup, sample, samples)
            print(f"{name}\t{seconds!r}", flush=True)


if __name__ == "__main__":
    main()
