package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;
import java.util.random.RandomGenerator;

/**
 * A multi-layer long short-term memory network over whole sequences, as PyTorch's {@code nn.LSTM}:
 * each layer and direction runs the {@link LstmCell} recurrence
 *
 * <pre>
 *   [i | f | g | o] = x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh
 *   c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g)
 *   h_t = σ(o) ⊙ tanh(c_t)
 * </pre>
 *
 * <p>See {@link RecurrentLayer} for configuration, parameter names, shapes, variable lengths and
 * truncated backpropagation through time. The final cell states come back in {@link
 * RnnOutput#cN()}.
 *
 * <pre>{@code
 * Lstm lstm = Lstm.builder(64, 256).numLayers(2).dropout(0.2f).build(new Random(42));
 * RnnOutput out = lstm.forward(x, state);   // x: [T, B, 64]; state null or (h0, c0)
 * }</pre>
 */
public final class Lstm extends RecurrentLayer {
  /** A builder for an LSTM reading {@code inputSize} features into {@code hiddenSize}. */
  public static Builder<Lstm> builder(int inputSize, int hiddenSize) {
    return new Builder<>("Lstm", inputSize, hiddenSize, false, Lstm::new);
  }

  private Lstm(Builder<Lstm> config, RandomGenerator random) {
    super(config, CellKind.LSTM, random);
  }

  /**
   * Runs over {@code input} from initial states {@code h0} and {@code c0}, both {@code [numLayers *
   * D, B, H]} (or {@code [numLayers * D, H]} unbatched), or both null for zeros.
   */
  public RnnOutput forward(Tensor input, Tensor h0, Tensor c0) {
    checkInput((h0 == null) == (c0 == null), "give both h0 and c0, or neither");
    return forward(input, null, h0 == null ? null : RnnState.of(h0, c0));
  }
}
