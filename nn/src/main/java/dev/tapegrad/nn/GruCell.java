package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;
import java.util.random.RandomGenerator;

/**
 * A gated recurrent unit, as PyTorch's {@code nn.GRUCell}.
 *
 * <pre>
 *   [i_r | i_z | i_n] = x W_ihᵀ + b_ih                  three gates of width H, in this order
 *   [h_r | h_z | h_n] = h W_hhᵀ + b_hh
 *   r  = σ(i_r + h_r)
 *   z  = σ(i_z + h_z)
 *   n  = tanh(i_n + r ⊙ h_n)              the reset gate scales W_hn h + b_hn, as in PyTorch
 *   h' = (1 - z) ⊙ n + z ⊙ h              computed as n + z ⊙ (h - n)
 *
 *   x: [B, in]     h, h': [B, H]
 *   weight_ih: [3H, in]   weight_hh: [3H, H]   bias_ih: [3H]   bias_hh: [3H]
 * </pre>
 *
 * <p>Gate order (reset, update, new) is PyTorch's. See {@link RecurrentCell} for parameter names,
 * initialisation, unbatched input and how a step is recorded.
 */
public final class GruCell extends RecurrentCell {
  /** A cell with biases. */
  public GruCell(int inputSize, int hiddenSize, RandomGenerator random) {
    this(inputSize, hiddenSize, true, random);
  }

  /** A cell with or without biases. */
  public GruCell(int inputSize, int hiddenSize, boolean bias, RandomGenerator random) {
    super("GruCell", CellKind.GRU, inputSize, hiddenSize, bias, random);
  }

  /**
   * One step: the new hidden state {@code [B, H]} (or {@code [H]}) from input {@code [B, in]} (or
   * {@code [in]}) and hidden state {@code h} of the same batchedness; null {@code h} means zeros.
   *
   * @throws IllegalArgumentException if a shape does not fit, naming the shapes
   */
  public Tensor forward(Tensor input, Tensor h) {
    return step(input, h, null)[0];
  }

  /** One step from a zero state. */
  public Tensor forward(Tensor input) {
    return forward(input, null);
  }
}
