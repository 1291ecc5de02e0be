package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * An Elman recurrent cell, as PyTorch's {@code nn.RNNCell}: one step of a simple recurrent
 * network whose hidden state is fed back.
 *
 * <pre>
 *   h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)          act = tanh (default) or relu
 *
 *   x: [B, in]     h, h': [B, H]
 *   weight_ih: [H, in]   weight_hh: [H, H]   bias_ih: [H]   bias_hh: [H]
 * </pre>
 *
 * <p>Parameter names, layouts and registration order are PyTorch's, so a state dict maps one to
 * one. Every parameter starts at {@code U(-1/sqrt(H), 1/sqrt(H))}, drawn in that order from the
 * generator given to the constructor (see {@code Init} for the seed convention). The cell is a
 * composition of autograd ops; backpropagation through time falls out of the tape.
 *
 * <p>Input may also be unbatched, {@code [in]} with state {@code [H]}, as in PyTorch. A missing
 * state means zeros.
 */
public final class RnnCell extends Block {
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

  private final int inputSize;
  private final int hiddenSize;
  private final Nonlinearity nonlinearity;
  private final Tensor weightIh;
  private final Tensor weightHh;
  private final Tensor biasIh;
  private final Tensor biasHh;

  /** A tanh cell with biases. */
  public RnnCell(int inputSize, int hiddenSize, RandomGenerator random) {
    this(inputSize, hiddenSize, Nonlinearity.TANH, true, random);
  }

  /** A cell with the given nonlinearity, with or without biases. */
  public RnnCell(
      int inputSize, int hiddenSize, Nonlinearity nonlinearity, boolean bias, RandomGenerator random) {
    checkArgument(
        inputSize > 0 && hiddenSize > 0,
        "RnnCell: sizes must be positive, got inputSize=%s, hiddenSize=%s",
        inputSize,
        hiddenSize);
    checkArgument(nonlinearity != null, "RnnCell: nonlinearity must not be null");
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.nonlinearity = nonlinearity;
    Tensor[] p = Recurrence.registerCellParameters(this, "", hiddenSize, inputSize, hiddenSize, bias, random);
    weightIh = p[0];
    weightHh = p[1];
    biasIh = p[2];
    biasHh = p[3];
  }

  /** One step from a zero state. */
  public Tensor forward(Tensor input) {
    return forward(input, null);
  }

  /**
   * One step: the new hidden state {@code [B, H]} (or {@code [H]}) from input {@code [B, in]} (or
   * {@code [in]}) and hidden state {@code h} of the same batchedness; null {@code h} means zeros.
   *
   * @throws IllegalArgumentException if a shape does not fit, naming the shapes
   */
  public Tensor forward(Tensor input, Tensor h) {
    return compute(input, h, weightIh, weightHh, biasIh, biasHh);
  }

  /**
   * {@link #forward(Tensor, Tensor)} with other tensors in place of the parameters, given in
   * {@link #namedParameters()} order; for gradient checks, which perturb copies.
   */
  Tensor forwardWith(List<Tensor> parameters, Tensor input, Tensor h) {
    Tensor[] p = Recurrence.cellParameters("RnnCell", parameters, biasIh != null);
    return compute(input, h, p[0], p[1], p[2], p[3]);
  }

  private Tensor compute(Tensor input, Tensor h, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
    Tensor x = Recurrence.cellInput("RnnCell", input, inputSize);
    Tensor state = Recurrence.cellState("RnnCell", "h", h, input, hiddenSize);
    Tensor projection = Recurrence.project(x, wIh, Recurrence.sumOfBiases(bIh, bHh));
    return Recurrence.cellOutput(step(nonlinearity, projection, state, wHh), input);
  }

  /**
   * The recurrence given the input projection {@code x W_ihᵀ + b_ih + b_hh} and {@code W_hh};
   * shared with {@link Rnn}, which computes the projection for all steps at once.
   */
  static Tensor step(Nonlinearity act, Tensor inputProjection, Tensor h, Tensor weightHh) {
    return act.apply(inputProjection.add(Recurrence.project(h, weightHh, null)));
  }

  /** The number of input features. */
  public int inputSize() {
    return inputSize;
  }

  /** The size of the hidden state. */
  public int hiddenSize() {
    return hiddenSize;
  }

  /** The nonlinearity. */
  public Nonlinearity nonlinearity() {
    return nonlinearity;
  }

  /** {@code weight_ih}, {@code [H, in]}. */
  public Tensor weightIh() {
    return weightIh;
  }

  /** {@code weight_hh}, {@code [H, H]}. */
  public Tensor weightHh() {
    return weightHh;
  }

  /** {@code bias_ih}, {@code [H]}, or null without biases. */
  public Tensor biasIh() {
    return biasIh;
  }

  /** {@code bias_hh}, {@code [H]}, or null without biases. */
  public Tensor biasHh() {
    return biasHh;
  }

  @Override
  protected String extraRepr() {
    return inputSize
        + ", "
        + hiddenSize
        + (nonlinearity == Nonlinearity.TANH ? "" : ", nonlinearity=relu")
        + (biasIh == null ? ", bias=false" : "");
  }
}
