package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;

/**
 * What the class-index losses ({@link CrossEntropyLoss}, {@link NllLoss}) add to {@code
 * Functional}'s {@code [N, C]} losses: scores with extra leading dimensions, {@code [*, C]} with
 * classes last, flattened to {@code [prod(*), C]} and, for reduction {@code NONE}, the losses put
 * back into shape {@code [*]}.
 */
final class ClassScores {
  private ClassScores() {}

  /** The leading shape {@code [*]} of scores {@code [*, C]}, checked against the target count. */
  static int[] batchShape(String op, Tensor scores, int[] targets) {
    int[] shape = scores.shape();
    checkArgument(
        shape.length >= 1, "%s: scores must be [*, C] with classes last, got a scalar", op);
    int[] batch = Arrays.copyOf(shape, shape.length - 1);
    int positions = Arrays.stream(batch).reduce(1, Math::multiplyExact);
    checkArgument(
        positions == targets.length,
        "%s: scores %s need %s targets (one per position of %s), got %s",
        op,
        Arrays.toString(shape),
        positions,
        Arrays.toString(batch),
        targets.length);
    return batch;
  }

  /** {@code [*, C]} as {@code [prod(*), C]}; 1-D and 2-D scores unchanged. */
  static Tensor flatten(Tensor scores) {
    return scores.dim() <= 2 ? scores : scores.reshape(-1, scores.size(-1));
  }

  /** Losses {@code [prod(*)]} back to {@code [*]} when unreduced. */
  static Tensor unflatten(Tensor loss, Reduction reduction, int[] batch) {
    return reduction == Reduction.NONE ? loss.reshape(batch) : loss;
  }
}
