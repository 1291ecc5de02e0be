package dev.tapegrad.benchmarks;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A plain wall-clock timing loop for side-by-side comparisons: warm up, then the median of several
 * samples, each a batch of calls long enough to dwarf the clock's resolution. {@code
 * tools/bench_torch.py} and the DJL runner time with the same procedure and the same settings. JMH
 * gives the precise numbers for one framework; this gives one table for three.
 */
final class Timing {
  /** Warm-up and sampling for {@code --quick} (a smoke test: numbers are rough). */
  static final Timing QUICK = new Timing(0.3, 0.05, 3);

  /** Warm-up and sampling for a full run. */
  static final Timing FULL = new Timing(1.5, 0.15, 7);

  /** The longest a warm-up may last before timing starts anyway. */
  private static final long MAX_WARMUP_NANOS = 10_000_000_000L;

  final double warmupSeconds;
  final double sampleSeconds;
  final int samples;

  /** Keeps each result reachable so the JIT cannot drop the work. */
  private volatile Object sink;

  Timing(double warmupSeconds, double sampleSeconds, int samples) {
    if (samples < 1 || warmupSeconds < 0 || sampleSeconds < 0) {
      throw new IllegalArgumentException(
          "timing: need samples >= 1 and non-negative durations, got warmup "
              + warmupSeconds
              + " s, sample "
              + sampleSeconds
              + " s, "
              + samples
              + " samples");
    }
    this.warmupSeconds = warmupSeconds;
    this.sampleSeconds = sampleSeconds;
    this.samples = samples;
  }

  /**
   * The median time of one call of {@code task}, in seconds. The warm-up lasts at least {@code
   * warmupSeconds} and then until two consecutive windows agree within 10% (at most 10 seconds):
   * Vector API code runs many times slower until C2 has compiled it, which can take seconds on a
   * busy machine. Each sample is a batch of at least one call and about {@code sampleSeconds}.
   */
  double median(Supplier<?> task) {
    long start = System.nanoTime();
    long minEnd = start + (long) (warmupSeconds * 1e9);
    double previous = Double.NaN;
    double perCall;
    while (true) {
      perCall = runFor(task, Math.max(0.1, warmupSeconds / 4));
      long now = System.nanoTime();
      boolean stable = Math.abs(perCall - previous) <= 0.1 * Math.min(perCall, previous);
      if (now - start >= MAX_WARMUP_NANOS || (now >= minEnd && stable)) {
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
    return median(times);
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

  /** The median of {@code values} (the mean of the middle two for an even count). */
  static double median(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("median: no values");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
