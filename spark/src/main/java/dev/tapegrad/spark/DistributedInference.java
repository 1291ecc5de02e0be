package dev.tapegrad.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.nn.Block;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Distributed prediction over an RDD: the same results as running the model on one machine, one
 * result per example, in the RDD's order.
 *
 * <p>The model's weights are broadcast once, as a flat {@code float[]} with the {@link
 * BlockFactory}. Each task takes a model built for that broadcast (built at most once per task slot
 * and reused by later partitions in the same executor), puts it in evaluation mode, and runs the
 * partition's examples through it in batches of {@code batchSize}, under no-grad, lazily: a
 * partition is never held in memory whole. Results stream out as Spark asks for them.
 *
 * <p>The broadcast is not destroyed here, since Spark may compute the returned RDD again (each
 * action, or a lost partition); Spark's context cleaner removes it once the RDD is unreachable.
 *
 * <p>Spark SQL users call it on {@code dataset.javaRDD()} and turn the results back into a {@code
 * Dataset} with their encoder; the module depends on spark-core only.
 */
public final class DistributedInference {
  private DistributedInference() {}

  /** What the executors build the model from. */
  private record Weights<M extends Block>(BlockFactory<M> factory, Floats.Vector values)
      implements Serializable {}

  /**
   * The predictions of {@code model} (its current weights) for every example of {@code data}.
   *
   * @param factory builds a model of {@code model}'s architecture
   * @param batchSize how many examples go through the model at once
   * @param predictor one result per example of a batch
   * @throws IllegalArgumentException if the batch size is not positive, or the factory's model does
   *     not have {@code model}'s parameters
   */
  public static <M extends Block, E, R> JavaRDD<R> predict(
      JavaRDD<E> data,
      M model,
      BlockFactory<M> factory,
      int batchSize,
      BatchPredictor<M, E, R> predictor) {
    checkNotNull(data, "DistributedInference: data is null");
    checkNotNull(predictor, "DistributedInference: predictor is null");
    checkArgument(
        batchSize > 0, "DistributedInference: batchSize must be positive, got %s", batchSize);
    DataParallelTrainer.checkSameArchitecture("DistributedInference", factory, model);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.context());
    Broadcast<Weights<M>> weights =
        sc.broadcast(new Weights<>(factory, new Floats.Vector(Flat.values(model.parameters()))));
    return data.mapPartitions(examples -> new Batches<>(weights, examples, batchSize, predictor));
  }

  /** A partition's predictions, one batch at a time. */
  private static final class Batches<M extends Block, E, R> implements Iterator<R> {
    private final Broadcast<Weights<M>> weights;
    private final Iterator<E> examples;
    private final int batchSize;
    private final BatchPredictor<M, E, R> predictor;
    private Iterator<R> current = Collections.emptyIterator();

    Batches(
        Broadcast<Weights<M>> weights,
        Iterator<E> examples,
        int batchSize,
        BatchPredictor<M, E, R> predictor) {
      this.weights = weights;
      this.examples = examples;
      this.batchSize = batchSize;
      this.predictor = predictor;
    }

    @Override
    public boolean hasNext() {
      while (!current.hasNext() && examples.hasNext()) {
        current = nextBatch().iterator();
      }
      return current.hasNext();
    }

    @Override
    public R next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.next();
    }

    @SuppressWarnings("try")
    private List<R> nextBatch() {
      List<E> batch = new ArrayList<>(batchSize);
      while (batch.size() < batchSize && examples.hasNext()) {
        batch.add(examples.next());
      }
      M model =
          ExecutorCache.borrow(
              weights.id(),
              () -> {
                Weights<M> w = weights.value();
                M m = w.factory().create();
                Flat.load(m.parameters(), w.values().values(), 0);
                m.eval();
                return m;
              });
      try (var scope = Autograd.noGrad()) {
        List<R> out = predictor.predict(model, batch);
        checkState(
            out != null && out.size() == batch.size(),
            "DistributedInference: the predictor returned %s results for %s examples",
            out == null ? "no" : (Object) out.size(),
            batch.size());
        return out;
      } finally {
        ExecutorCache.release(weights.id(), model);
      }
    }
  }
}
