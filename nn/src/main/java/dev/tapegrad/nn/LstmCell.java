package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;
import java.util.List;
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
 * <p>The gates are stacked in the weights' rows in PyTorch's order (input, forget, cell,
 * output), and parameter names and registration order are PyTorch's, so a state dict maps one to
 * one. Every parameter starts at {@code U(-1/sqrt(H), 1/sqrt(H))}, drawn in that order from the
 * generator given to the constructor (see {@code Init} for the seed convention). The cell is a
 * composition of autograd ops (matmul, add, a four-way chunk, sigmoid, tanh, mul); there is no
 * hand-written backward.
 *
 * <p>Input may also be unbatched, {@code [in]} with states {@code [H]}, as in PyTorch. A missing
 * state means zeros.
 */
public final class LstmCell extends Block {
  private final int inputSize;
  private final int hiddenSize;
  private final Tensor weightIh;
  private final Tensor weightHh;
  private final Tensor biasIh;
  private final Tensor biasHh;

  /** A cell with biases. */
  public LstmCell(int inputSize, int hiddenSize, RandomGenerator random) {
    this(inputSize, hiddenSize, true, random);
  }

  /** A cell with or without biases. */
  public LstmCell(int inputSize, int hiddenSize, boolean bias, RandomGenerator random) {
    checkArgument(
        inputSize > 0 && hiddenSize > 0,
        "LstmCell: sizes must be positive, got inputSize=%s, hiddenSize=%s",
        inputSize,
        hiddenSize);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    int gates = 4 * hiddenSize;
    Tensor[] p = Recurrence.registerCellParameters(this, "", gates, inputSize, hiddenSize, bias, random);
    weightIh = p[0];
    weightHh = p[1];
    biasIh = p[2];
    biasHh = p[3];
  }

  /** One step from zero states. */
  public RnnState forward(Tensor input) {
    return forward(input, null);
  }

  /**
   * One step: the new hidden and cell states from input {@code [B, in]} (or {@code [in]}) and
   * {@code state} with {@code h} and {@code c} of shape {@code [B, H]} (or {@code [H]}); a null
   * state means zeros.
   *
   * @throws IllegalArgumentException if a shape does not fit, or the state has no cell state
   */
  public RnnState forward(Tensor input, RnnState state) {
    return compute(input, state, weightIh, weightHh, biasIh, biasHh);
  }

  /**
   * {@link #forward(Tensor, RnnState)} with other tensors in place of the parameters, given in
   * {@link #namedParameters()} order; for gradient checks, which perturb copies.
   */
  RnnState forwardWith(List<Tensor> parameters, Tensor input, RnnState state) {
    Tensor[] p = Recurrence.cellParameters("LstmCell", parameters, biasIh != null);
    return compute(input, state, p[0], p[1], p[2], p[3]);
  }

  private RnnState compute(Tensor input, RnnState state, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
    Tensor x = Recurrence.cellInput("LstmCell", input, inputSize);
    if (state != null) {
      checkArgument(state.c() != null, "LstmCell: the state needs a cell state c; use RnnState.of(h, c)");
    }
    Tensor h = Recurrence.cellState("LstmCell", "h", state == null ? null : state.h(), input, hiddenSize);
    Tensor c = Recurrence.cellState("LstmCell", "c", state == null ? null : state.c(), input, hiddenSize);
    Tensor projection = Recurrence.project(x, wIh, Recurrence.sumOfBiases(bIh, bHh));
    Tensor[] next = step(projection, h, c, wHh);
    return new RnnState(Recurrence.cellOutput(next[0], input), Recurrence.cellOutput(next[1], input));
  }

  /**
   * The recurrence given the input projection {@code x W_ihᵀ + b_ih + b_hh} and {@code W_hh};
   * returns {@code {h', c'}}. Shared with {@link Lstm}, which computes the projection for all
   * steps at once.
   */
  static Tensor[] step(Tensor inputProjection, Tensor h, Tensor c, Tensor weightHh) {
    List<Tensor> gates = inputProjection.add(Recurrence.project(h, weightHh, null)).chunk(4, 1);
    Tensor i = gates.get(0).sigmoid();
    Tensor f = gates.get(1).sigmoid();
    Tensor g = gates.get(2).tanh();
    Tensor o = gates.get(3).sigmoid();
    Tensor cNext = f.mul(c).add(i.mul(g));
    Tensor hNext = o.mul(cNext.tanh());
    return new Tensor[] {hNext, cNext};
  }

  /** The number of input features. */
  public int inputSize() {
    return inputSize;
  }

  /** The size of the hidden and cell states. */
  public int hiddenSize() {
    return hiddenSize;
  }

  /** {@code weight_ih}, {@code [4H, in]}, gates i, f, g, o stacked in rows. */
  public Tensor weightIh() {
    return weightIh;
  }

  /** {@code weight_hh}, {@code [4H, H]}, gates i, f, g, o stacked in rows. */
  public Tensor weightHh() {
    return weightHh;
  }

  /** {@code bias_ih}, {@code [4H]}, or null without biases. */
  public Tensor biasIh() {
    return biasIh;
  }

  /** {@code bias_hh}, {@code [4H]}, or null without biases. */
  public Tensor biasHh() {
    return biasHh;
  }

  @Override
  protected String extraRepr() {
    return inputSize + ", " + hiddenSize + (biasIh == null ? ", bias=false" : "");
  }
}
