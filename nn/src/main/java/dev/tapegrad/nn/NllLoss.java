package dev.tapegrad.nn;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;

/**
 * Negative log-likelihood {@code -logProbs[i, y_i]} as a module, as PyTorch's {@code nn.NLLLoss}:
 * {@link Functional#nllLoss(Tensor, int[], Reduction, int)} over log-probabilities {@code [*, C]}
 * (e.g. a {@link LogSoftmax} output) with classes last, as {@link CrossEntropyLoss} takes them.
 */
public final class NllLoss extends Block {
  private final Reduction reduction;
  private final int ignoreIndex;

  /** Mean reduction, no ignored class. */
  public NllLoss() {
    this(Reduction.MEAN, CrossEntropyLoss.DEFAULT_IGNORE_INDEX);
  }

  /** The given reduction; targets equal to {@code ignoreIndex} contribute nothing. */
  public NllLoss(Reduction reduction, int ignoreIndex) {
    this.reduction = reduction;
    this.ignoreIndex = ignoreIndex;
  }

  /** The loss of {@code logProbs} {@code [*, C]} against {@code prod(*)} class indices. */
  public Tensor forward(Tensor logProbs, int[] targets) {
    int[] batch = ClassScores.batchShape("nll", logProbs, targets);
    Tensor two = logProbs.dim() == 1 ? logProbs.unsqueeze(0) : ClassScores.flatten(logProbs);
    Tensor loss = Functional.nllLoss(two, targets, reduction, ignoreIndex);
    return ClassScores.unflatten(loss, reduction, batch);
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
