package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;
import java.util.random.RandomGenerator;

/**
 * A multi-layer gated recurrent unit network over whole sequences, as PyTorch's {@code nn.GRU}:
 * each layer and direction runs the {@link GruCell} recurrence
 *
 * <pre>
 *   [i_r | i_z | i_n] = x_t W_ihᵀ + b_ih        [h_r | h_z | h_n] = h_{t-1} W_hhᵀ + b_hh
 *   r = σ(i_r + h_r)    z = σ(i_z + h_z)    n = tanh(i_n + r ⊙ h_n)
 *   h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
 * </pre>
 *
 * <p>See {@link RecurrentLayer} for configuration, parameter names, shapes, variable lengths and
 * truncated backpropagation through time.
 *
 * <pre>{@code
 * Gru gru = Gru.builder(10, 20).bidirectional(true).batchFirst(true).build(new Random(42));
 * RnnOutput out = gru.forward(x);          // x: [B, T, 10]; out.output(): [B, T, 40]
 * }</pre>
 */
public final class Gru extends RecurrentLayer {
  /** A builder for a GRU network reading {@code inputSize} features into {@code hiddenSize}. */
  public static Builder<Gru> builder(int inputSize, int hiddenSize) {
    return new Builder<>("Gru", inputSize, hiddenSize, false, Gru::new);
  }

  private Gru(Builder<Gru> config, RandomGenerator random) {
    super(config, CellKind.GRU, random);
  }

  /** Runs over {@code input} from initial hidden state {@code h0} (null means zeros). */
  public RnnOutput forward(Tensor input, Tensor h0) {
    return forward(input, null, h0 == null ? null : RnnState.of(h0));
  }
}
