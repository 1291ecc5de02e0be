package dev.tapegrad.spark;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Block;
import java.io.Serializable;
import java.util.List;

/**
 * The training loss of a batch of examples, as the <em>sum</em> over the examples (not the mean).
 *
 * <p>Each partition computes the summed loss of its share of the global batch, and the driver
 * divides the summed gradients by the global batch size, so the result is the gradient of the mean
 * loss over the global batch, whatever the shares. A loss that is naturally a mean over {@code n}
 * examples (such as {@code Functional.crossEntropy}) is returned multiplied by {@code n}.
 *
 * <p>The function runs on executors, in training mode, with gradients recorded; it must be a pure
 * function of the model and the examples (any randomness, such as dropout, seeded from the
 * examples), so that a retried task gives the same gradient.
 *
 * @param <M> the model's type
 * @param <E> the type of one example
 */
@FunctionalInterface
public interface BatchLoss<M extends Block, E> extends Serializable {
  /**
   * A one-element tensor: the sum of the losses of {@code examples} (never empty) under {@code
   * model}.
   */
  Tensor sumLoss(M model, List<E> examples);
}
