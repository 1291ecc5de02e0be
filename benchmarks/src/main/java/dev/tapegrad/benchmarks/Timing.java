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

  /** The median time of one call of {@code task}, in seconds. */
  double median(Supplier<?> task) {
    long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long calls = 0;
    long start = System.nanoTime();
    do {
      sink = task.get();
      calls++;
    } while (System.nanoTime() < warmupEnd || calls < 3);
    double perCall = (System.nanoTime() - start) / 1e9 / calls;
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
}
