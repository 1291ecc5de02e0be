package dev.tapegrad.nn;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;

/**
 * Binary cross-entropy on logits as a module, as PyTorch's {@code nn.BCEWithLogitsLoss}: {@link
 * Functional#binaryCrossEntropyWithLogits(Tensor, Tensor, Reduction)}, computed stably.
 *
 * <pre>
 *   loss = softplus(x) - x * t  =  -(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))
 * </pre>
 */
public final class BceWithLogitsLoss extends Block {
  private final Reduction reduction;

  /** Mean reduction. */
  public BceWithLogitsLoss() {
    this(Reduction.MEAN);
  }

  /** The given reduction. */
  public BceWithLogitsLoss(Reduction reduction) {
    this.reduction = reduction;
  }

  /** The loss of {@code logits} against equally shaped {@code targets} in {@code [0, 1]}. */
  public Tensor forward(Tensor logits, Tensor targets) {
    return Functional.binaryCrossEntropyWithLogits(logits, targets, reduction);
  }

  /** The configured reduction. */
  public Reduction reduction() {
    return reduction;
  }

  @Override
  protected String extraRepr() {
    return "reduction=" + reduction;
  }
}
