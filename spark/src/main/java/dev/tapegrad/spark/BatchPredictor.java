package dev.tapegrad.spark;

import dev.tapegrad.nn.Block;
import java.io.Serializable;
import java.util.List;

/**
 * Predicts one result per example for a batch of examples; {@link DistributedInference} calls it on
 * executors, under no-grad, with the model in evaluation mode.
 *
 * @param <M> the model's type
 * @param <E> the type of one example
 * @param <R> the type of one prediction (serializable, so that Spark can ship it)
 */
@FunctionalInterface
public interface BatchPredictor<M extends Block, E, R> extends Serializable {
  /** One prediction per example, in the order of {@code examples} (never empty). */
  List<R> predict(M model, List<E> examples);
}
