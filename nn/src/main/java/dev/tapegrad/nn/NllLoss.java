package dev.tapegrad.nn;

import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;

/**
 * Negative log-likelihood as a module, as PyTorch's {@code nn.NLLLoss}: see {@link Losses#nll}.
 * Inputs are log-probabilities {@code [*, C]} with classes last.
 */
public final class NllLoss extends Block {
  private final Reduction reduction;
  private final int ignoreIndex;

  /** Mean reduction, no ignored class. */
  public NllLoss() {
    this(Reduction.MEAN, Losses.DEFAULT_IGNORE_INDEX);
  }

  /** The given reduction; targets equal to {@code ignoreIndex} contribute nothing. */
  public NllLoss(Reduction reduction, int ignoreIndex) {
    this.reduction = reduction;
    this.ignoreIndex = ignoreIndex;
  }

  /** The loss of {@code logProbs} {@code [*, C]} against {@code prod(*)} class indices. */
  public Tensor forward(Tensor logProbs, int[] targets) {
    return Losses.nll(logProbs, targets, reduction, ignoreIndex);
  }

  /** The configured reduction. */
  public Reduction reduction() {
    return reduction;
  }

  /** The ignored target value. */
  public int ignoreIndex() {
    return ignoreIndex;
  }

  @Override
  protected String extraRepr() {
    return "reduction=" + reduction + ", ignoreIndex=" + ignoreIndex;
  }
}
