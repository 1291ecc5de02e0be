package dev.tapegrad.nn;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;

/**
 * Squared error {@code (input - target)²} as a module, as PyTorch's {@code nn.MSELoss}: {@link
 * Functional#mseLoss(Tensor, Tensor, Reduction)} with the reduction configured.
 */
public final class MseLoss extends Block {
  private final Reduction reduction;

  /** Mean reduction. */
  public MseLoss() {
    this(Reduction.MEAN);
  }

  /** The given reduction. */
  public MseLoss(Reduction reduction) {
    this.reduction = reduction;
  }

  /** The loss of {@code input} against an equally shaped {@code target}. */
  public Tensor forward(Tensor input, Tensor target) {
    return Functional.mseLoss(input, target, reduction);
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
