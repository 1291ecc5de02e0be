package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Yields the batches of a {@link Dataset}: PyTorch's {@code DataLoader} with {@code batch_size},
 * {@code shuffle}, {@code drop_last} and {@code collate_fn}, plus bucketing by length.
 *
 * <pre>{@code
 * DataLoader<Example, Batch> loader =
 *     DataLoader.builder(train).batchSize(32).shuffle(42).dropLast(true).build();
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *   for (Batch batch : loader.epoch(epoch)) {
 *     Tensor loss = Functional.crossEntropy(model.forward(batch.inputs()), batch.labels());
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <h2>Shuffling is a function of (seed, epoch)</h2>
 *
 * PyTorch's loader draws each epoch's order from a generator whose state runs on from epoch to
 * epoch, so an exact resume must save that generator. Here the order of epoch {@code e} depends
 * only on the seed and {@code e} (as with JAX's {@code fold_in} or {@code
 * DistributedSampler.set_epoch}): {@code loader.epoch(e)} is the same sequence of batches in every
 * run, and resuming needs no state but the epoch and the batch to start from ({@link #epoch(int,
 * int)}). The permutation is a Fisher–Yates shuffle driven by SplitMix64, written out in this
 * package, so it does not change across JDKs.
 *
 * <h2>Bucketing</h2>
 *
 * With {@link Builder#bucketBy}, each epoch's (shuffled) order is cut into pools of {@code
 * poolBatches * batchSize} examples, each pool is sorted by length (stably), cut into batches, and
 * the batches of the epoch are shuffled again. Batches then hold sequences of similar length, so
 * little of a padded batch is padding, while the order still changes each epoch (the idea of
 * torchtext's {@code BucketIterator}).
 *
 * <h2>Decisions</h2>
 *
 * The loader runs in the calling thread and builds a batch when the iterator asks for it ({@code
 * num_workers=0}): tapegrad's kernels already use the cores, and a dataset that reads files can
 * cache itself ({@link Dataset#cache()}). Without {@code dropLast} the last batch may be smaller.
 * An empty batch is never yielded.
 *
 * @param <T> the type of one example
 * @param <B> the type of a collated batch
 */
public final class DataLoader<T, B> {
  private final Dataset<T> dataset;
  private final Function<List<T>, B> collate;
  private final int batchSize;
  private final boolean shuffle;
  private final long seed;
  private final boolean dropLast;
  private final ToIntFunction<? super T> length;
  private final int poolBatches;

  private DataLoader(Builder<T, B> b) {
    dataset = b.dataset;
    collate = b.collate;
    batchSize = b.batchSize;
    shuffle = b.shuffle;
    seed = b.seed;
    dropLast = b.dropLast;
    length = b.length;
    poolBatches = b.poolBatches;
  }

  /** A loader of labelled examples with the default collate, {@link Collate#stack()}. */
  public static Builder<Example, Batch> builder(Dataset<Example> dataset) {
    return new Builder<>(dataset, Collate.stack());
  }

  /** A loader whose batches {@code collate} makes from each list of examples. */
  public static <T, B> Builder<T, B> builder(Dataset<T> dataset, Function<List<T>, B> collate) {
    return new Builder<>(dataset, collate);
  }

  /** The number of batches in every epoch. */
  public int batchesPerEpoch() {
    int n = dataset.size();
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  /** The indices of the examples of each batch of {@code epoch}, in order. */
  public List<int[]> batchIndices(int epoch) {
    checkArgument(epoch >= 0, "DataLoader: epoch must be >= 0, got %s", epoch);
    int n = dataset.size();
    Shuffle random = Shuffle.of(seed, epoch);
    int[] order = shuffle ? random.permutation(n) : identity(n);
    List<int[]> batches = new ArrayList<>(batchesPerEpoch());
    if (length == null) {
      for (int from = 0; from + (dropLast ? batchSize : 1) <= n; from += batchSize) {
        batches.add(Arrays.copyOfRange(order, from, Math.min(n, from + batchSize)));
      }
      return batches;
    }
    int pool = poolBatches * batchSize;
    int usable = dropLast ? n / batchSize * batchSize : n;
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      lengths[i] = length.applyAsInt(dataset.get(i));
    }
    for (int from = 0; from < usable; from += pool) {
      int to = Math.min(usable, from + pool);
      Integer[] sorted = new Integer[to - from];
      for (int i = from; i < to; i++) {
        sorted[i - from] = order[i];
      }
      Arrays.sort(sorted, (a, b) -> Integer.compare(lengths[a], lengths[b]));
      for (int b = 0; b < sorted.length; b += batchSize) {
        int[] batch = new int[Math.min(batchSize, sorted.length - b)];
        for (int k = 0; k < batch.length; k++) {
          batch[k] = sorted[b + k];
        }
        batches.add(batch);
      }
    }
    if (shuffle) {
      int[] batchOrder = random.permutation(batches.size());
      List<int[]> shuffled = new ArrayList<>(batches.size());
      for (int k : batchOrder) {
        shuffled.add(batches.get(k));
      }
      return shuffled;
    }
    return batches;
  }

  /** Batch {@code index} of {@code epoch}, collated. */
  public B batch(int epoch, int index) {
    List<int[]> all = batchIndices(epoch);
    checkArgument(
        index >= 0 && index < all.size(),
        "DataLoader.batch: index %s is outside [0, %s)",
        index,
        all.size());
    return collate(all.get(index));
  }

  /** The batches of {@code epoch}, collated one at a time as they are iterated. */
  public Iterable<B> epoch(int epoch) {
    return epoch(epoch, 0);
  }

  /**
   * The batches of {@code epoch} from batch {@code fromBatch} on: resumes an epoch that was cut
   * short (a checkpoint taken after {@code fromBatch} batches).
   */
  public Iterable<B> epoch(int epoch, int fromBatch) {
    List<int[]> all = batchIndices(epoch);
    checkArgument(
        fromBatch >= 0 && fromBatch <= all.size(),
        "DataLoader.epoch: fromBatch %s is outside [0, %s]",
        fromBatch,
        all.size());
    List<int[]> rest = Collections.unmodifiableList(all.subList(fromBatch, all.size()));
    return () ->
        new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < rest.size();
          }

          @Override
          public B next() {
            if (!hasNext()) {
              throw new NoSuchElementException("DataLoader: the epoch has no more batches");
            }
            return collate(rest.get(next++));
          }
        };
  }

  private B collate(int[] indices) {
    List<T> examples = new ArrayList<>(indices.length);
    for (int i : indices) {
      examples.add(dataset.get(i));
    }
    return collate.apply(examples);
  }

  /** The dataset this loader reads. */
  public Dataset<T> dataset() {
    return dataset;
  }

  /** The number of examples per batch. */
  public int batchSize() {
    return batchSize;
  }

  private static int[] identity(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  @Override
  public String toString() {
    return "DataLoader(size="
        + dataset.size()
        + ", batchSize="
        + batchSize
        + ", shuffle="
        + shuffle
        + (shuffle ? ", seed=" + seed : "")
        + ", dropLast="
        + dropLast
        + (length != null ? ", bucketed over " + poolBatches + " batches" : "")
        + ")";
  }

  /**
   * Configures a {@link DataLoader}: batch size 1, no shuffling, the last batch kept, no bucketing
   * (PyTorch's defaults).
   */
  public static final class Builder<T, B> {
    private final Dataset<T> dataset;
    private final Function<List<T>, B> collate;
    private int batchSize = 1;
    private boolean shuffle;
    private long seed;
    private boolean dropLast;
    private ToIntFunction<? super T> length;
    private int poolBatches;

    private Builder(Dataset<T> dataset, Function<List<T>, B> collate) {
      this.dataset = checkNotNull(dataset, "DataLoader: dataset is null");
      this.collate = checkNotNull(collate, "DataLoader: collate is null");
    }

    /** Examples per batch, at least 1. */
    public Builder<T, B> batchSize(int value) {
      checkArgument(value >= 1, "DataLoader: batchSize must be >= 1, got %s", value);
      batchSize = value;
      return this;
    }

    /** A new order every epoch, a function of {@code seed} and the epoch. */
    public Builder<T, B> shuffle(long seed) {
      this.shuffle = true;
      this.seed = seed;
      return this;
    }

    /** Whether to drop the last batch when it is smaller than the batch size. */
    public Builder<T, B> dropLast(boolean value) {
      dropLast = value;
      return this;
    }

    /**
     * Groups examples of similar {@code length} into the same batch, sorting pools of {@code
     * poolBatches} batches (see the class documentation).
     */
    public Builder<T, B> bucketBy(ToIntFunction<? super T> length, int poolBatches) {
      checkArgument(poolBatches >= 1, "DataLoader: poolBatches must be >= 1, got %s", poolBatches);
      this.length = checkNotNull(length, "DataLoader: length is null");
      this.poolBatches = poolBatches;
      return this;
    }

    /**
     * The loader.
     *
     * @throws IllegalArgumentException if {@code dropLast} leaves no batch at all
     */
    public DataLoader<T, B> build() {
      checkArgument(
          !(dropLast && dataset.size() > 0 && dataset.size() < batchSize),
          "DataLoader: dropLast with batchSize %s leaves no batch of a dataset of %s examples",
          batchSize,
          dataset.size());
      return new DataLoader<>(this);
    }
  }
}
