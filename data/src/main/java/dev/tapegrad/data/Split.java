package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Arrays;

/**
 * A dataset cut into training, validation and test parts, as PyTorch's {@code random_split} with
 * three lengths or fractions.
 *
 * <pre>{@code
 * Split<Example> split = Split.byFractions(all, 0.8, 0.1, 0.1, 42);
 * DataLoader<Example, Batch> train = DataLoader.builder(split.train()).batchSize(32).shuffle(42).build();
 * }</pre>
 *
 * <p>Fractions are rounded as {@code random_split} rounds them: each part gets {@code floor(f * n)}
 * examples and the remainder goes one by one to the parts in order (train first; a part of fraction
 * 0 stays empty). The random assignment is a function of the seed alone (the same on every JVM);
 * {@link #ordered} keeps the order instead, for data where the future must not leak into training
 * (a time series, a text).
 *
 * @param train the examples to fit
 * @param validation the examples to choose hyper-parameters and stop early on
 * @param test the examples to report on once
 * @param <T> the type of one example
 */
public record Split<T>(Dataset<T> train, Dataset<T> validation, Dataset<T> test) {
  /** Shuffles with {@code seed}, then cuts into parts of the given fractions (summing to 1). */
  public static <T> Split<T> byFractions(
      Dataset<T> dataset, double train, double validation, double test, long seed) {
    int[] counts = counts(dataset, train, validation, test);
    return byCounts(dataset, counts[0], counts[1], counts[2], seed);
  }

  /** Shuffles with {@code seed}, then cuts into parts of the given sizes (summing to the size). */
  public static <T> Split<T> byCounts(
      Dataset<T> dataset, int train, int validation, int test, long seed) {
    checkCounts(dataset, train, validation, test);
    int[] order = Shuffle.of(seed, -1).permutation(dataset.size());
    return new Split<>(
        dataset.subset(Arrays.copyOfRange(order, 0, train)),
        dataset.subset(Arrays.copyOfRange(order, train, train + validation)),
        dataset.subset(Arrays.copyOfRange(order, train + validation, train + validation + test)));
  }

  /** Cuts without shuffling: the first part is train, then validation, then test. */
  public static <T> Split<T> ordered(
      Dataset<T> dataset, double train, double validation, double test) {
    int[] c = counts(dataset, train, validation, test);
    return new Split<>(
        dataset.range(0, c[0]),
        dataset.range(c[0], c[0] + c[1]),
        dataset.range(c[0] + c[1], dataset.size()));
  }

  private static int[] counts(Dataset<?> dataset, double train, double validation, double test) {
    checkNotNull(dataset, "Split: dataset is null");
    double[] f = {train, validation, test};
    for (double v : f) {
      checkArgument(
          v >= 0 && v <= 1, "Split: fractions must be in [0, 1], got %s", Arrays.toString(f));
    }
    checkArgument(
        Math.abs(train + validation + test - 1) < 1e-9,
        "Split: fractions %s must sum to 1",
        Arrays.toString(f));
    int n = dataset.size();
    int[] counts = new int[3];
    int rest = n;
    for (int i = 0; i < 3; i++) {
      counts[i] = (int) Math.floor(f[i] * n);
      rest -= counts[i];
    }
    for (int i = 0; rest > 0; i = (i + 1) % 3) {
      if (f[i] > 0) {
        counts[i]++;
        rest--;
      }
    }
    return counts;
  }

  private static void checkCounts(Dataset<?> dataset, int train, int validation, int test) {
    checkNotNull(dataset, "Split: dataset is null");
    checkArgument(
        train >= 0
            && validation >= 0
            && test >= 0
            && (long) train + validation + test == dataset.size(),
        "Split: counts %s, %s, %s must be >= 0 and sum to the dataset's size %s",
        train,
        validation,
        test,
        dataset.size());
  }
}
