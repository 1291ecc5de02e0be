package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;
import java.util.List;
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
 * <p>Gate order (reset, update, new), parameter names and registration order are PyTorch's, so a
 * state dict maps one to one. Every parameter starts at {@code U(-1/sqrt(H), 1/sqrt(H))}, drawn
 * in that order from the generator given to the constructor (see {@code Init} for the seed
 * convention). The cell is a composition of autograd ops; there is no hand-written backward.
 *
 * <p>Input may also be unbatched, {@code [in]} with state {@code [H]}, as in PyTorch. A missing
 * state means zeros.
 */
public final class GruCell extends Block {
  private final int inputSize;
  private final int hiddenSize;
  private final Tensor weightIh;
  private final Tensor weightHh;
  private final Tensor biasIh;
  private final Tensor biasHh;

  /** A cell with biases. */
  public GruCell(int inputSize, int hiddenSize, RandomGenerator random) {
    this(inputSize, hiddenSize, true, random);
  }

  /** A cell with or without biases. */
  public GruCell(int inputSize, int hiddenSize, boolean bias, RandomGenerator random) {
    checkArgument(
        inputSize > 0 && hiddenSize > 0,
        "GruCell: sizes must be positive, got inputSize=%s, hiddenSize=%s",
        inputSize,
        hiddenSize);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    int gates = 3 * hiddenSize;
    Tensor[] p = Recurrence.registerCellParameters(this, "", gates, inputSize, hiddenSize, bias, random);
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
    Tensor[] p = Recurrence.cellParameters("GruCell", parameters, biasIh != null);
    return compute(input, h, p[0], p[1], p[2], p[3]);
  }

  private Tensor compute(Tensor input, Tensor h, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
    Tensor x = Recurrence.cellInput("GruCell", input, inputSize);
    Tensor state = Recurrence.cellState("GruCell", "h", h, input, hiddenSize);
    Tensor projection = Recurrence.project(x, wIh, bIh);
    return Recurrence.cellOutput(step(projection, state, wHh, bHh), input);
  }

  /**
   * The recurrence given the input projection {@code x W_ihᵀ + b_ih}, {@code W_hh} and {@code
   * b_hh} (null without biases; it cannot be folded into the projection because the reset gate
   * scales it). Shared with {@link Gru}, which computes the projection for all steps at once.
   */
  static Tensor step(Tensor inputProjection, Tensor h, Tensor weightHh, Tensor biasHh) {
    List<Tensor> in = inputProjection.chunk(3, 1);
    List<Tensor> hidden = Recurrence.project(h, weightHh, biasHh).chunk(3, 1);
    Tensor r = in.get(0).add(hidden.get(0)).sigmoid();
    Tensor z = in.get(1).add(hidden.get(1)).sigmoid();
    Tensor n = in.get(2).add(r.mul(hidden.get(2))).tanh();
    return n.add(z.mul(h.sub(n)));
  }

  /** The number of input features. */
  public int inputSize() {
    return inputSize;
  }

  /** The size of the hidden state. */
  public int hiddenSize() {
    return hiddenSize;
  }

  /** {@code weight_ih}, {@code [3H, in]}, gates r, z, n stacked in rows. */
  public Tensor weightIh() {
    return weightIh;
  }

  /** {@code weight_hh}, {@code [3H, H]}, gates r, z, n stacked in rows. */
  public Tensor weightHh() {
    return weightHh;
  }

  /** {@code bias_ih}, {@code [3H]}, or null without biases. */
  public Tensor biasIh() {
    return biasIh;
  }

  /** {@code bias_hh}, {@code [3H]}, or null without biases. */
  public Tensor biasHh() {
    return biasHh;
  }

  @Override
  protected String extraRepr() {
    return inputSize + ", " + hiddenSize + (biasIh == null ? ", bias=false" : "");
  }
}
