package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;

/**
 * Cross-entropy of logits against class indices as a module, as PyTorch's {@code
 * nn.CrossEntropyLoss}.
 *
 * <pre>
 *   loss_i = (1 - s) * -log p_i[y_i] + s * mean_c(-log p_i[c]),   p_i = softmax(logits_i)
 * </pre>
 *
 * <p>The maths is {@link Functional#crossEntropy(Tensor, int[], Reduction, int, float)}'s, which
 * takes {@code [N, C]}; this module also takes extra leading dimensions. Decision: class scores are
 * in the <em>last</em> dimension. Logits {@code [*, C]} (for a sequence model, batch-first {@code
 * [N, T, C]}) go with {@code prod(*)} class indices in row-major order (target {@code n * T + t}
 * belongs to position {@code [n, t]}); reduction {@code NONE} returns losses of shape {@code [*]}.
 * PyTorch puts the classes in dimension 1 instead ({@code [N, C, T]}); its {@code
 * cross_entropy(x.permute(0, 2, 1), y)} equals {@code forward(x, y)} here.
 */
public final class CrossEntropyLoss extends Block {
  /** The ignore index PyTorch uses by default, which no real class matches. */
  public static final int DEFAULT_IGNORE_INDEX = -100;

  private final Reduction reduction;
  private final int ignoreIndex;
  private final float labelSmoothing;

  /** Mean reduction, no ignored class, no label smoothing. */
  public CrossEntropyLoss() {
    this(Reduction.MEAN, DEFAULT_IGNORE_INDEX, 0f);
  }

  /**
   * A configured loss.
   *
   * @param ignoreIndex targets equal to this contribute nothing ({@link #DEFAULT_IGNORE_INDEX} for
   *     none)
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
    int[] batch = ClassScores.batchShape("crossEntropy", logits, targets);
    Tensor loss =
        Functional.crossEntropy(
            ClassScores.flatten(logits), targets, reduction, ignoreIndex, labelSmoothing);
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
