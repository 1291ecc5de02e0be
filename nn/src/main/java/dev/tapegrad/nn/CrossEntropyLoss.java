package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;

/**
 * Cross-entropy of logits against class indices as a module, as PyTorch's {@code
 * nn.CrossEntropyLoss}: see {@link Losses#crossEntropy(Tensor, int[], Reduction, int, float)}.
 * Logits are {@code [*, C]} with classes last, so a batch-first sequence model's {@code [N, T, C]}
 * output goes in directly with {@code N * T} targets.
 */
public final class CrossEntropyLoss extends Block {
  private final Reduction reduction;
  private final int ignoreIndex;
  private final float labelSmoothing;

  /** Mean reduction, no ignored class, no label smoothing. */
  public CrossEntropyLoss() {
    this(Reduction.MEAN, Losses.DEFAULT_IGNORE_INDEX, 0f);
  }

  /**
   * A configured loss.
   *
   * @param ignoreIndex targets equal to this contribute nothing ({@link
   *     Losses#DEFAULT_IGNORE_INDEX} for none)
   * @param labelSmoothing in {@code [0, 1]}
   */
  public CrossEntropyLoss(Reduction reduction, int ignoreIndex, float labelSmoothing) {
    checkArgument(
        labelSmoothing >= 0 && labelSmoothing <= 1,
        "CrossEntropyLoss: labelSmoothing must be in [0, 1], got %s",
        labelSmoothing);
    this.reduction = reduction;
    this.ignoreIndex = ignoreIndex;
    this.labelSmoothing = labelSmoothing;
  }

  /** The loss of {@code logits} {@code [*, C]} against {@code prod(*)} class indices. */
  public Tensor forward(Tensor logits, int[] targets) {
    return Losses.crossEntropy(logits, targets, reduction, ignoreIndex, labelSmoothing);
  }

  /** The configured reduction. */
  public Reduction reduction() {
    return reduction;
  }

  /** The ignored target value. */
  public int ignoreIndex() {
    return ignoreIndex;
  }

  /** The label smoothing factor. */
  public float labelSmoothing() {
    return labelSmoothing;
  }

  @Override
  protected String extraRepr() {
    return "reduction="
        + reduction
        + ", ignoreIndex="
        + ignoreIndex
        + ", labelSmoothing="
        + labelSmoothing;
  }
}
