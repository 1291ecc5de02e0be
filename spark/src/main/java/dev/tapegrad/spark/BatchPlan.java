package dev.tapegrad.spark;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which examples make up the global batch of each step: the definition that lets a distributed run
 * be reproduced, and checked, on one machine.
 *
 * <p>Partition {@code p} holds {@code size(p)} examples. The global batch of {@code B} examples is
 * shared among the partitions in proportion to their sizes (largest remainder, ties to the lower
 * index), so every example is equally likely to be drawn wherever it lives, as on one machine. At
 * step {@code s}, partition {@code p} draws its share uniformly with replacement from its own
 * examples with a generator seeded from {@code (seed, s, p)} only. The global batch is the
 * concatenation of the shares in partition order: {@code examples(p)[indices(s, p)[i]]}.
 *
 * <p>A draw depends on nothing else (no task attempt, no executor, no time), so a retried or
 * speculative task draws exactly the same examples.
 */
public final class BatchPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long seed;
  private final long[] sizes;
  private final int[] shares;

  private BatchPlan(long seed, long[] sizes, int[] shares) {
    this.seed = seed;
    this.sizes = sizes;
    this.shares = shares;
  }

  /**
   * The plan for partitions of the given sizes and a global batch of {@code globalBatch} examples.
   *
   * @throws IllegalArgumentException if the batch is not positive, a size is negative, or every
   *     partition is empty
   */
  public static BatchPlan of(long seed, long[] partitionSizes, int globalBatch) {
    checkArgument(globalBatch > 0, "BatchPlan: global batch must be positive, got %s", globalBatch);
    checkArgument(partitionSizes.length > 0, "BatchPlan: no partitions");
    long total = 0;
    for (long n : partitionSizes) {
      checkArgument(
          n >= 0, "BatchPlan: negative partition size in %s", Arrays.toString(partitionSizes));
      total += n;
    }
    checkArgument(
        total > 0, "BatchPlan: every one of the %s partitions is empty", partitionSizes.length);
    int parts = partitionSizes.length;
    int[] shares = new int[parts];
    long[] remainders = new long[parts];
    int given = 0;
    for (int p = 0; p < parts; p++) {
      // exact integer arithmetic: share = floor(B * n_p / N), remainder (B * n_p) mod N
      BigInteger product =
          BigInteger.valueOf(globalBatch).multiply(BigInteger.valueOf(partitionSizes[p]));
      BigInteger[] qr = product.divideAndRemainder(BigInteger.valueOf(total));
      shares[p] = qr[0].intValueExact();
      remainders[p] = qr[1].longValueExact();
      given += shares[p];
    }
    for (int left = globalBatch - given; left > 0; left--) {
      int best = -1;
      for (int p = 0; p < parts; p++) {
        if (partitionSizes[p] > 0 && (best < 0 || remainders[p] > remainders[best])) {
          best = p;
        }
      }
      shares[best]++;
      remainders[best] = -1;
    }
    return new BatchPlan(seed, partitionSizes.clone(), shares);
  }

  /** The number of partitions. */
  public int partitions() {
    return sizes.length;
  }

  /** The global batch size, the sum of the shares. */
  public int globalBatch() {
    return Arrays.stream(shares).sum();
  }

  /** How many examples partition {@code partition} contributes to each global batch. */
  public int share(int partition) {
    return shares[partition];
  }

  /** Partition {@code partition}'s number of examples. */
  public long size(int partition) {
    return sizes[partition];
  }

  /**
   * The positions, within partition {@code partition}, of the examples it contributes at step
   * {@code step}, in the order they enter the batch.
   */
  public int[] indices(long step, int partition) {
    return draw(step, partition, shares[partition]);
  }

  /**
   * {@code count} positions within partition {@code partition} drawn for step {@code step}: the
   * draw of {@link #indices} for a count of one's choosing (a local batch of {@link
   * AveragingTrainer}).
   */
  public int[] draw(long step, int partition, int count) {
    checkArgument(
        partition >= 0 && partition < sizes.length,
        "BatchPlan: partition %s of %s",
        partition,
        sizes.length);
    checkArgument(
        count == 0 || sizes[partition] > 0,
        "BatchPlan: %s examples from empty partition %s",
        count,
        partition);
    checkArgument(
        sizes[partition] <= Integer.MAX_VALUE,
        "BatchPlan: partition %s holds %s examples",
        partition,
        sizes[partition]);
    SplittableRandom random = new SplittableRandom(mix(mix(mix(seed) ^ step) ^ partition));
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = random.nextInt((int) sizes[partition]);
    }
    return out;
  }

  /** SplitMix64's finaliser: nearby inputs give unrelated seeds. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Override
  public String toString() {
    return "BatchPlan(seed="
        + seed
        + ", shares="
        + Arrays.toString(shares)
        + ", sizes="
        + Arrays.toString(sizes)
        + ")";
  }
}
