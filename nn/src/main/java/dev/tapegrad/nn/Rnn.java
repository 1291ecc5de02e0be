package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;
import java.util.random.RandomGenerator;

/**
 * A multi-layer Elman recurrent network over whole sequences, as PyTorch's {@code nn.RNN}: each
 * layer and direction runs the {@link RnnCell} recurrence
 *
 * <pre>
 *   h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)        act = tanh (default) or relu
 * </pre>
 *
 * <p>See {@link RecurrentLayer} for configuration, parameter names, shapes, variable lengths and
 * truncated backpropagation through time.
 *
 * <pre>{@code
 * Rnn rnn = Rnn.builder(10, 20).numLayers(2).build(new Random(42));
 * RnnOutput out = rnn.forward(x);          // x: [T, B, 10]; out.output(): [T, B, 20]
 * }</pre>
 */
public final class Rnn extends RecurrentLayer {
  private final RnnCell.Nonlinearity nonlinearity;

  /** A builder for an Elman network reading {@code inputSize} features into {@code hiddenSize}. */
  public static Builder<Rnn> builder(int inputSize, int hiddenSize) {
    return new Builder<>("Rnn", inputSize, hiddenSize, true, Rnn::new);
  }

  private Rnn(Builder<Rnn> config, RandomGenerator random) {
    super(config, CellKind.elman(config.nonlinearity), random);
    this.nonlinearity = config.nonlinearity;
  }

  /** Runs over {@code input} from initial hidden state {@code h0} (null means zeros). */
  public RnnOutput forward(Tensor input, Tensor h0) {
    return forward(input, null, h0 == null ? null : RnnState.of(h0));
  }

  /** The nonlinearity. */
  public RnnCell.Nonlinearity nonlinearity() {
    return nonlinearity;
  }

  @Override
  protected String extraRepr() {
    return super.extraRepr()
        + (nonlinearity == RnnCell.Nonlinearity.TANH ? "" : ", nonlinearity=relu");
  }
}
