package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;

/**
 * Log-softmax over one dimension: {@code x - logSumExp(x)}, computed stably; pair it with {@link
 * NllLoss}.
 *
 * <p>The dimension is always explicit (PyTorch's implicit choice is deprecated); negative values
 * count from the end.
 */
public final class LogSoftmax extends Layer {
  private final int dim;

  /** Normalises over {@code dim}, e.g. -1 for the last dimension. */
  public LogSoftmax(int dim) {
    this.dim = dim;
  }

  /** Applies the function over {@code dim} of the input. */
  @Override
  public Tensor forward(Tensor input) {
    int rank = input.dim();
    checkInput(
        rank > 0 && dim >= -rank && dim < rank,
        "dim %s out of range for input %s",
        dim,
        Arrays.toString(input.shape()));
    return input.logSoftmax(dim);
  }

  @Override
  protected String extraRepr() {
    return "dim=" + dim;
  }
}
