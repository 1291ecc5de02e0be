package dev.tapegrad.benchmarks;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A plain timing loop for side-by-side comparisons: warm up, then the median of several samples,
 * each a batch of calls long enough to dwarf the clock's resolution. {@code tools/bench_torch.py}
 * times PyTorch with the same procedure. JMH gives the precise numbers; this gives one table.
 */
final class Timing {
  private final double warmupSeconds;
  private final double sampleSeconds;
  private final int samples;
  /** Keeps each result reachable so the JIT cannot drop the work. */
  private volatile Object sink;

  Timing(double warmupSeconds, double sampleSeconds, int samples) {
    this.warmupSeconds = warmupSeconds;
    this.sampleSeconds = sampleSeconds;
    this.samples = samples;
  }

  /**
   * The median time of one call of {@code task}, in seconds. The warm-up lasts at least {@code
   * warmupSeconds} and then until two consecutive windows agree within 10% (at most 30 seconds):
   * Vector API code runs a hundred times slower until C2 has compiled it, which can take seconds
   * on a busy machine.
   */
  double median(Supplier<?> task) {
    long start = System.nanoTime();
    long minEnd = start + (long) (warmupSeconds * 1e9);
    long maxEnd = start + 30_000_000_000L;
    double previous = Double.NaN;
    double perCall;
    while (true) {
      perCall = runFor(task, Math.max(0.1, warmupSeconds / 4));
      long now = System.nanoTime();
      boolean stable = Math.abs(perCall - previous) <= 0.1 * Math.min(perCall, previous);
      if (now >= maxEnd || (now >= minEnd && stable)) {
        break;
      }
      previous = perCall;
    }
    int batch = (int) Math.max(1, Math.min(1_000_000, sampleSeconds / perCall));
    double[] times = new double[samples];
    for (int s = 0; s < samples; s++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < batch; i++) {
        sink = task.get();
      }
      times[s] = (System.nanoTime() - t0) / 1e9 / batch;
    }
    Arrays.sort(times);
    return times[samples / 2];
  }

  /** Calls {@code task} for about {@code seconds} (at least 3 times); the mean time per call. */
  double runFor(Supplier<?> task, double seconds) {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long calls = 0;
    do {
      sink = task.get();
      calls++;
    } while (System.nanoTime() < end || calls < 3);
    return (System.nanoTime() - start) / 1e9 / calls;
  }
}
