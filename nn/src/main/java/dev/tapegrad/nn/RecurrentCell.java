package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;
import java.util.random.RandomGenerator;

/**
 * The base of the gated and Elman cells ({@link RnnCell}, {@link LstmCell}, {@link GruCell}), as
 * PyTorch's {@code RNNCellBase}: their sizes, their four parameters and the checks of a step's
 * shapes.
 *
 * <p>Parameters, in PyTorch's names, layouts and registration order: {@code weight_ih} {@code [G*H,
 * in]}, {@code weight_hh} {@code [G*H, H]} and, with biases, {@code bias_ih} and {@code bias_hh}
 * {@code [G*H]}, with {@code G} gates (1 Elman, 4 LSTM, 3 GRU) stacked in the rows. Every parameter
 * starts at {@code U(-1/sqrt(H), 1/sqrt(H))}, drawn in that order from the generator given to the
 * constructor (see {@code Init} for the seed convention).
 *
 * <p>A step is one tape node with a hand-written backward on the kernels; see {@link
 * FusedRecurrence} for the composed reference and for second derivatives. Input may also be
 * unbatched, {@code [in]} with states {@code [H]}, as in PyTorch. A missing state means zeros.
 */
public abstract sealed class RecurrentCell extends Block permits RnnCell, LstmCell, GruCell {
  private final String name;
  private final CellKind kind;
  private final int inputSize;
  private final int hiddenSize;

  /** {weight_ih, weight_hh, bias_ih, bias_hh}; biases null without them. */
  private final Tensor[] weights;

  RecurrentCell(
      String name,
      CellKind kind,
      int inputSize,
      int hiddenSize,
      boolean bias,
      RandomGenerator random) {
    checkArgument(
        inputSize > 0 && hiddenSize > 0,
        "%s: sizes must be positive, got inputSize=%s, hiddenSize=%s",
        name,
        inputSize,
        hiddenSize);
    checkArgument(random != null, "%s: needs a RandomGenerator for the initial weights", name);
    this.name = name;
    this.kind = kind;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.weights =
        Recurrence.registerCellParameters(
            this, "", kind.gates * hiddenSize, inputSize, hiddenSize, bias, random);
  }

  /**
   * One step on the checked input and states: returns {h'} or {h', c'} in the batchedness of the
   * input. {@code c} is ignored unless the cell has a cell state.
   */
  final Tensor[] step(Tensor input, Tensor h, Tensor c) {
    Tensor x = Recurrence.cellInput(name, input, inputSize);
    Tensor h0 = Recurrence.cellState(name, "h", h, input, hiddenSize);
    Tensor c0 = kind.hasCellState() ? Recurrence.cellState(name, "c", c, input, hiddenSize) : null;
    int batch = x.size(0);
    Tensor packed = FusedDirection.run(kind, null, false, false, x.unsqueeze(0), h0, c0, weights);
    Tensor[] next = FusedDirection.split(packed, kind, false, 1, batch, hiddenSize);
    return kind.hasCellState()
        ? new Tensor[] {
          Recurrence.cellOutput(next[1], input), Recurrence.cellOutput(next[2], input)
        }
        : new Tensor[] {Recurrence.cellOutput(next[1], input)};
  }

  /** The number of input features. */
  public final int inputSize() {
    return inputSize;
  }

  /** The size of the hidden state (and of an LSTM's cell state). */
  public final int hiddenSize() {
    return hiddenSize;
  }

  /** {@code weight_ih}, {@code [G*H, in]}, the gates stacked in rows in PyTorch's order. */
  public final Tensor weightIh() {
    return weights[0];
  }

  /** {@code weight_hh}, {@code [G*H, H]}, the gates stacked in rows in PyTorch's order. */
  public final Tensor weightHh() {
    return weights[1];
  }

  /** {@code bias_ih}, {@code [G*H]}, or null without biases. */
  public final Tensor biasIh() {
    return weights[2];
  }

  /** {@code bias_hh}, {@code [G*H]}, or null without biases. */
  public final Tensor biasHh() {
    return weights[3];
  }

  /** What a subclass adds to {@link #extraRepr()} before the bias flag. */
  String extraOptions() {
    return "";
  }

  @Override
  protected final String extraRepr() {
    return inputSize
        + ", "
        + hiddenSize
        + extraOptions()
        + (weights[2] == null ? ", bias=false" : "");
  }
}
