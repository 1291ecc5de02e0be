package dev.tapegrad.nn;

import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;

/**
 * Binary cross-entropy on logits as a module, as PyTorch's {@code nn.BCEWithLogitsLoss}: see {@link
 * Losses#binaryCrossEntropyWithLogits}.
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
    return Losses.binaryCrossEntropyWithLogits(logits, targets, reduction);
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
