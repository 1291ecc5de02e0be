package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;

/**
 * Loss functions, as static methods; the loss modules ({@link MseLoss}, {@link CrossEntropyLoss},
 * {@link NllLoss}, {@link BceWithLogitsLoss}) call these with their configuration.
 *
 * <p>The maths is {@link Functional}'s; this facade adds inputs with extra leading dimensions.
 * Decision: class scores are in the <em>last</em> dimension. Logits {@code [*, C]} (for a sequence
 * model, batch-first {@code [N, T, C]}) go with {@code prod(*)} class indices in row-major order
 * (target {@code n * T + t} belongs to position {@code [n, t]}); reduction {@code NONE} returns
 * losses of shape {@code [*]}. PyTorch puts the classes in dimension 1 instead ({@code [N, C, T]});
 * its {@code cross_entropy(x.permute(0, 2, 1), y)} equals {@code crossEntropy(x, y)} here.
 */
public final class Losses {
  /** The ignore index PyTorch uses by default, which no real class matches. */
  public static final int DEFAULT_IGNORE_INDEX = -100;

  private Losses() {}

  /** Mean squared error between equally shaped tensors. */
  public static Tensor mse(Tensor input, Tensor target) {
    return mse(input, target, Reduction.MEAN);
  }

  /** Squared error {@code (input - target)²}, reduced as asked. */
  public static Tensor mse(Tensor input, Tensor target, Reduction reduction) {
    return Functional.mseLoss(input, target, reduction);
  }

  /** Mean cross-entropy of logits {@code [*, C]} against class indices. */
  public static Tensor crossEntropy(Tensor logits, int[] targets) {
    return crossEntropy(logits, targets, Reduction.MEAN, DEFAULT_IGNORE_INDEX, 0f);
  }

  /**
   * Cross-entropy of logits {@code [*, C]} against class indices, as PyTorch's {@code
   * cross_entropy}.
   *
   * <pre>
   *   loss_i = (1 - s) * -log p_i[y_i] + s * mean_c(-log p_i[c]),   p_i = softmax(logits_i)
   * </pre>
   *
   * @param reduction {@code MEAN} divides by the number of targets not ignored
   * @param ignoreIndex targets equal to this contribute zero loss and gradient
   * @param labelSmoothing {@code s} in {@code [0, 1]}
   */
  public static Tensor crossEntropy(
      Tensor logits, int[] targets, Reduction reduction, int ignoreIndex, float labelSmoothing) {
    int[] batch = batchShape("crossEntropy", logits, targets);
    Tensor loss =
        Functional.crossEntropy(flatten(logits), targets, reduction, ignoreIndex, labelSmoothing);
    return unflatten(loss, reduction, batch);
  }

  /** Mean negative log-likelihood of log-probabilities {@code [*, C]} against class indices. */
  public static Tensor nll(Tensor logProbs, int[] targets) {
    return nll(logProbs, targets, Reduction.MEAN, DEFAULT_IGNORE_INDEX);
  }

  /**
   * Negative log-likelihood {@code -logProbs[i, y_i]} of log-probabilities {@code [*, C]} (e.g. a
   * {@link LogSoftmax} output) against class indices, as PyTorch's {@code nll_loss}.
   */
  public static Tensor nll(Tensor logProbs, int[] targets, Reduction reduction, int ignoreIndex) {
    int[] batch = batchShape("nll", logProbs, targets);
    Tensor two = logProbs.dim() == 1 ? logProbs.unsqueeze(0) : flatten(logProbs);
    Tensor loss = Functional.nllLoss(two, targets, reduction, ignoreIndex);
    return unflatten(loss, reduction, batch);
  }

  /** Mean binary cross-entropy of logits against equally shaped targets in {@code [0, 1]}. */
  public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets) {
    return binaryCrossEntropyWithLogits(logits, targets, Reduction.MEAN);
  }

  /**
   * Binary cross-entropy of logits against targets in {@code [0, 1]}, computed stably, as PyTorch's
   * {@code binary_cross_entropy_with_logits}.
   *
   * <pre>
   *   loss = softplus(x) - x * t  =  -(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))
   * </pre>
   */
  public static Tensor binaryCrossEntropyWithLogits(
      Tensor logits, Tensor targets, Reduction reduction) {
    return Functional.binaryCrossEntropyWithLogits(logits, targets, reduction);
  }

  /** The leading shape {@code [*]} of scores {@code [*, C]}, checked against the target count. */
  private static int[] batchShape(String op, Tensor scores, int[] targets) {
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

  private static Tensor flatten(Tensor scores) {
    return scores.dim() <= 2 ? scores : scores.reshape(-1, scores.size(-1));
  }

  private static Tensor unflatten(Tensor loss, Reduction reduction, int[] batch) {
    return reduction == Reduction.NONE ? loss.reshape(batch) : loss;
  }
}
