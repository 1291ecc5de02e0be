package dev.tapegrad.spark;

import dev.tapegrad.nn.Block;
import java.io.Serializable;

/**
 * Builds a fresh model of a fixed architecture: how a model crosses the wire to Spark executors.
 *
 * <p>Tensors are never Java-serialized. The driver ships this factory (usually a serializable
 * lambda, {@code () -> new Mlp(new Random(0))}) once per job, and the parameter values separately
 * as a flat {@code float[]} in {@link Block#namedParameters()} order. Each executor builds the
 * model once per broadcast and task slot and overwrites its parameters with the shipped values, so
 * the initial values the factory draws do not matter; only the architecture does.
 *
 * <p>The factory must build the same architecture (same parameter names and shapes) every time it
 * is called, in any JVM: it should capture only configuration (sizes, a seed), never data or live
 * tensors.
 *
 * @param <M> the model's type
 */
@FunctionalInterface
public interface BlockFactory<M extends Block> extends Serializable {
  /**
   * A new model with the architecture of the one being trained; its parameter values are replaced.
   */
  M create();
}
