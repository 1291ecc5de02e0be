package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;
import java.util.random.RandomGenerator;

/**
 * A long short-term memory cell, as PyTorch's {@code nn.LSTMCell}.
 *
 * <pre>
 *   [i | f | g | o] = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh      four gates of width H, in this order
 *   i = σ(i)   f = σ(f)   g = tanh(g)   o = σ(o)
 *   c' = f ⊙ c + i ⊙ g
 *   h' = o ⊙ tanh(c')
 *
 *   x: [B, in]     h, c, h', c': [B, H]
 *   weight_ih: [4H, in]   weight_hh: [4H, H]   bias_ih: [4H]   bias_hh: [4H]
 * </pre>
 *
 * <p>The gates are stacked in the weights' rows in PyTorch's order (input, forget, cell, output).
 * See {@link RecurrentCell} for parameter names, initialisation, unbatched input and how a step is
 * recorded.
 */
public final class LstmCell extends RecurrentCell {
  /** A cell with biases. */
  public LstmCell(int inputSize, int hiddenSize, RandomGenerator random) {
    this(inputSize, hiddenSize, true, random);
  }

  /** A cell with or without biases. */
  public LstmCell(int inputSize, int hiddenSize, boolean bias, RandomGenerator random) {
    super("LstmCell", CellKind.LSTM, inputSize, hiddenSize, bias, random);
  }

  /**
   * One step: the new hidden and cell states from input {@code [B, in]} (or {@code [in]}) and
   * {@code state} with {@code h} and {@code c} of shape {@code [B, H]} (or {@code [H]}); a null
   * state means zeros.
   *
   * @throws IllegalArgumentException if a shape does not fit, or the state has no cell state
   */
  public RnnState forward(Tensor input, RnnState state) {
    if (state != null) {
      checkArgument(
          state.c() != null, "LstmCell: the state needs a cell state c; use RnnState.of(h, c)");
    }
    Tensor[] next = step(input, state == null ? null : state.h(), state == null ? null : state.c());
    return new RnnState(next[0], next[1]);
  }

  /** One step from zero states. */
  public RnnState forward(Tensor input) {
    return forward(input, null);
  }
}
