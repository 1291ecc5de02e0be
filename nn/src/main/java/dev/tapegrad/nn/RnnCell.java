package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;
import java.util.random.RandomGenerator;

/**
 * An Elman recurrent cell, as PyTorch's {@code nn.RNNCell}: one step of a simple recurrent network
 * whose hidden state is fed back.
 *
 * <pre>
 *   h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)          act = tanh (default) or relu
 *
 *   x: [B, in]     h, h': [B, H]
 *   weight_ih: [H, in]   weight_hh: [H, H]   bias_ih: [H]   bias_hh: [H]
 * </pre>
 *
 * <p>See {@link RecurrentCell} for parameter names, initialisation, unbatched input and how a step
 * is recorded.
 */
public final class RnnCell extends RecurrentCell {
  /** The nonlinearity of an Elman cell (or a Jordan cell's hidden layer). */
  public enum Nonlinearity {
    /** {@code tanh(x)}, the default. */
    TANH,
    /** {@code max(x, 0)}. */
    RELU;

    Tensor apply(Tensor x) {
      return this == TANH ? x.tanh() : x.relu();
    }
  }

  private final Nonlinearity nonlinearity;

  /** A tanh cell with biases. */
  public RnnCell(int inputSize, int hiddenSize, RandomGenerator random) {
    this(inputSize, hiddenSize, Nonlinearity.TANH, true, random);
  }

  /** A cell with the given nonlinearity, with or without biases. */
  public RnnCell(
      int inputSize,
      int hiddenSize,
      Nonlinearity nonlinearity,
      boolean bias,
      RandomGenerator random) {
    super(
        "RnnCell",
        CellKind.elman(checkNonlinearity(nonlinearity)),
        inputSize,
        hiddenSize,
        bias,
        random);
    this.nonlinearity = nonlinearity;
  }

  private static Nonlinearity checkNonlinearity(Nonlinearity nonlinearity) {
    checkArgument(nonlinearity != null, "RnnCell: nonlinearity must not be null");
    return nonlinearity;
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

  /** The nonlinearity. */
  public Nonlinearity nonlinearity() {
    return nonlinearity;
  }

  @Override
  String extraOptions() {
    return nonlinearity == Nonlinearity.TANH ? "" : ", nonlinearity=relu";
  }
}
