package dev.tapegrad.autograd;

/**
 * The backward half of an op: given the gradient of the op's output, returns one gradient per input
 * (null where an input needs none).
 *
 * <p>Implementations use differentiable {@link Tensor} ops so that, under {@code createGraph}, the
 * backward computation is itself recorded and can be differentiated again. A returned gradient may
 * have a broadcast shape; the engine sums it back to the input's shape.
 */
@FunctionalInterface
interface Backward {
  /**
   * @param gradOutput gradient of the op's output, same shape as the output
   * @param needsGrad which inputs require a gradient; a backward may skip the others
   */
  Tensor[] apply(Tensor gradOutput, boolean[] needsGrad);
}
