package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.autograd.Trace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.random.RandomGenerator;

/**
 * A multi-layer recurrent network over whole sequences, as PyTorch's {@code nn.RNN}, {@code
 * nn.LSTM} and {@code nn.GRU}: the base of {@link Rnn}, {@link Lstm} and {@link Gru}, which differ
 * only in their cell.
 *
 * <h2>Configuration</h2>
 *
 * Built with a {@link Builder}: {@code Lstm.builder(inputSize, hiddenSize).numLayers(2)
 * .bidirectional(true).batchFirst(true).dropout(0.2f).build(random)}. Layer {@code l > 0} reads the
 * outputs of layer {@code l - 1} (both directions concatenated); dropout, if set, is applied to
 * those inter-layer outputs in training mode only, with masks drawn from the generator given to
 * {@code build} (which the layer keeps).
 *
 * <h2>Parameters</h2>
 *
 * For each layer {@code k} and direction, in this order: {@code weight_ih_lk} ({@code [G*H, in]},
 * {@code in} being the input size for layer 0 and {@code D*H} above), {@code weight_hh_lk} ({@code
 * [G*H, H]}), {@code bias_ih_lk} and {@code bias_hh_lk} ({@code [G*H]}); the reverse direction's
 * names end in {@code _reverse}. {@code G} is 1 for Rnn, 4 for Lstm (gates i, f, g, o), 3 for Gru
 * (gates r, z, n). These are PyTorch's names, layouts and order, so a state dict maps one to one.
 * Every parameter starts at {@code U(-1/sqrt(H), 1/sqrt(H))}, drawn in that order from the
 * generator given to {@code build} (see {@code Init} for the seed convention).
 *
 * <h2>Shapes</h2>
 *
 * Input {@code [T, B, in]}, or {@code [B, T, in]} with {@code batchFirst}, or unbatched {@code [T,
 * in]}. The initial state ({@link RnnState}: {@code h_0}, and {@code c_0} for an LSTM) is {@code
 * [numLayers * D, B, H]} (or {@code [numLayers * D, H]} unbatched) whatever {@code batchFirst}
 * says, and zeros when absent. See {@link RnnOutput} for what comes back.
 *
 * <h2>Sequences of different lengths</h2>
 *
 * Pass {@code lengths} (one per batch entry, each in {@code [1, T]}) to get what PyTorch gives for
 * a packed sequence: each sequence's steps past its length are padding, which changes no state,
 * receives exactly zero gradient (for finite padding values) and yields zero outputs; the final
 * state is the state at each sequence's last valid step; the reverse direction starts at each
 * sequence's last valid step. Sequences need not be sorted. A length of 0 is refused, as PyTorch's
 * {@code pack_padded_sequence} refuses it.
 *
 * <h2>Backpropagation through time, and its truncation</h2>
 *
 * Each layer and direction records one node on the tape for all its steps, whose backward is
 * backpropagation through time, so {@code loss.backward()} needs nothing more. To bound its cost on
 * a long sequence, cut it into chunks of {@code k} steps and carry the state across chunks
 * detached: values flow on, gradients stop at the cut.
 *
 * <pre>{@code
 * RnnState state = null;                              // zeros
 * for (Tensor chunk : sequence.split(k, 0)) {         // [k, B, in] each (dim 1 if batchFirst)
 *   RnnOutput out = lstm.forward(chunk, state);
 *   Tensor loss = lossOf(out.output());
 *   loss.backward();                                  // reaches back to this chunk's first step only
 *   optimizerStep();
 *   state = out.state().detach();
 * }
 * }</pre>
 *
 * <h2>Performance note</h2>
 *
 * Each layer and direction is one fused node: its input projection {@code x W_ihᵀ + b} for all time
 * steps is one {@code [T*B, in] x [in, G*H]} product; each step is one product of {@code h} with
 * {@code W_hh} and one pass over the gates, which keeps their activations; the backward makes one
 * pass over the gates and one product per step, then computes the gradients of the weights, the
 * biases and the input as one product (or sum) each over all steps. {@link FusedRecurrence} runs
 * the composed cells instead, the reference the fused nodes are tested against; second derivatives
 * ({@code createGraph}) go through the composed cells either way.
 */
public abstract class RecurrentLayer extends Block {
  private final CellKind kind;
  private final int inputSize;
  private final int hiddenSize;
  private final int numLayers;
  private final boolean bidirectional;
  private final boolean batchFirst;
  private final boolean bias;
  private final float dropout;
  private final RandomGenerator random;

  /**
   * The registered parameters, indexed [layer * directions + direction][{weight_ih, weight_hh,
   * bias_ih, bias_hh}]; biases are null without them.
   */
  private final Tensor[][] weights;

  RecurrentLayer(Builder<?> config, CellKind kind, RandomGenerator random) {
    checkArgument(
        random != null,
        "%s: build needs a RandomGenerator for the initial weights",
        config.layerName);
    this.kind = kind;
    this.inputSize = config.inputSize;
    this.hiddenSize = config.hiddenSize;
    this.numLayers = config.numLayers;
    this.bidirectional = config.bidirectional;
    this.batchFirst = config.batchFirst;
    this.bias = config.bias;
    this.dropout = config.dropout;
    this.random = random;
    int directions = directions();
    int count = numLayers * directions;
    weights = new Tensor[count][4];
    int h = hiddenSize;
    for (int layer = 0; layer < numLayers; layer++) {
      int in = layer == 0 ? inputSize : directions * h;
      for (int d = 0; d < directions; d++) {
        String suffix = "_l" + layer + (d == 1 ? "_reverse" : "");
        int k = layer * directions + d;
        weights[k] =
            Recurrence.registerCellParameters(this, suffix, kind.gates * h, in, h, bias, random);
      }
    }
  }

  // ---------------------------------------------------------------- forward

  /** Runs over {@code input} from zero states. */
  public final RnnOutput forward(Tensor input) {
    return forward(input, null, null);
  }

  /** Runs over {@code input} from {@code initial} (null means zeros). */
  public final RnnOutput forward(Tensor input, RnnState initial) {
    return forward(input, null, initial);
  }

  /** Runs over padded sequences of the given {@code lengths} from zero states. */
  public final RnnOutput forward(Tensor input, int[] lengths) {
    return forward(input, lengths, null);
  }

  /**
   * Runs over {@code input}.
   *
   * @param input {@code [T, B, in]}, {@code [B, T, in]} with {@code batchFirst}, or {@code [T, in]}
   *     unbatched
   * @param lengths null when every sequence has all T steps; otherwise each batch entry's length,
   *     in {@code [1, T]} (batched input only)
   * @param initial the initial state, or null for zeros
   * @throws IllegalArgumentException naming the layer and the shapes when anything does not fit
   */
  public final RnnOutput forward(Tensor input, int[] lengths, RnnState initial) {
    if (Trace.active()) return LayerTrace.recurrent(this, kind, weights, input, lengths, initial);
    checkInput(input != null, "input must not be null");
    int[] shape = input.shape();
    boolean batched = shape.length == 3;
    checkInput(
        (shape.length == 2 || shape.length == 3) && shape[shape.length - 1] == inputSize,
        "input must be %s (or [T, %s] unbatched), got %s",
        batchFirst ? "[B, T, " + inputSize + "]" : "[T, B, " + inputSize + "]",
        inputSize,
        Arrays.toString(shape));
    Tensor x = batched ? (batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
    int steps = x.size(0);
    int batch = x.size(1);
    checkInput(
        steps > 0 && batch > 0,
        "input %s has no time steps or no batch entries",
        Arrays.toString(shape));
    int[] running = lengths == null ? null : checkLengths(lengths, batched, steps, batch);

    int directions = directions();
    Tensor[] h0 = initialStates(initial, batched, batch);
    Tensor[] c0 =
        kind.hasCellState() && initial != null ? splitState(initial.c(), batched, batch) : null;
    Tensor zeros = Tensor.zeros(batch, hiddenSize);
    List<Tensor> hN = new ArrayList<>(numLayers * directions);
    List<Tensor> cN = new ArrayList<>(numLayers * directions);
    Tensor layerInput = x;
    for (int layer = 0; layer < numLayers; layer++) {
      List<Tensor> outputs = new ArrayList<>(directions);
      for (int d = 0; d < directions; d++) {
        int k = layer * directions + d;
        Tensor c = kind.hasCellState() ? (c0 == null ? zeros : c0[k]) : null;
        Tensor packed =
            FusedDirection.run(
                kind, running, d == 1, true, layerInput, h0 == null ? zeros : h0[k], c, weights[k]);
        Tensor[] result = FusedDirection.split(packed, kind, true, steps, batch, hiddenSize);
        outputs.add(result[0]);
        hN.add(result[1]);
        if (kind.hasCellState()) {
          cN.add(result[2]);
        }
      }
      Tensor out = directions == 1 ? outputs.get(0) : Tensor.cat(outputs, 2);
      if (dropout > 0 && layer < numLayers - 1) {
        out = Functional.dropout(out, dropout, isTraining(), random);
      }
      layerInput = out;
    }
    Tensor output =
        batched ? (batchFirst ? layerInput.transpose(0, 1) : layerInput) : layerInput.squeeze(1);
    Tensor hStack = finalState(hN, batched);
    Tensor cStack = kind.hasCellState() ? finalState(cN, batched) : null;
    return new RnnOutput(output, hStack, cStack);
  }

  /** Checks the lengths; returns them, or null when every sequence runs all steps. */
  private int[] checkLengths(int[] lengths, boolean batched, int steps, int batch) {
    checkInput(
        batched, "lengths need batched input; got unbatched input with %s lengths", lengths.length);
    checkInput(
        lengths.length == batch, "%s lengths given for a batch of %s", lengths.length, batch);
    boolean all = true;
    for (int b = 0; b < batch; b++) {
      checkInput(
          lengths[b] >= 1 && lengths[b] <= steps,
          "lengths[%s] = %s is outside [1, %s] (the input has %s steps)",
          b,
          lengths[b],
          steps,
          steps);
      all &= lengths[b] == steps;
    }
    return all ? null : lengths.clone();
  }

  private Tensor[] initialStates(RnnState initial, boolean batched, int batch) {
    if (initial == null) {
      return null;
    }
    if (kind.hasCellState()) {
      checkInput(
          initial.c() != null, "the initial state needs a cell state c_0; use RnnState.of(h0, c0)");
    } else {
      checkInput(
          initial.c() == null, "the initial state has a cell state c, but only an Lstm has one");
    }
    return splitState(initial.h(), batched, batch);
  }

  /** Checks {@code [L*D, B, H]} (or {@code [L*D, H]}) and cuts it into {@code [B, H]} pieces. */
  private Tensor[] splitState(Tensor state, boolean batched, int batch) {
    int count = numLayers * directions();
    int[] expected = batched ? new int[] {count, batch, hiddenSize} : new int[] {count, hiddenSize};
    checkInput(
        state.hasShape(expected),
        "initial state has shape %s, expected %s ([numLayers * directions, %shidden])",
        Arrays.toString(state.shape()),
        Arrays.toString(expected),
        batched ? "batch, " : "");
    Tensor[] pieces = new Tensor[count];
    for (int k = 0; k < count; k++) {
      pieces[k] = state.narrow(0, k, 1).reshape(batch, hiddenSize);
    }
    return pieces;
  }

  private static Tensor finalState(List<Tensor> states, boolean batched) {
    Tensor stacked = Tensor.stack(states, 0);
    return batched ? stacked : stacked.squeeze(1);
  }

  // ---------------------------------------------------------------- configuration

  private int directions() {
    return bidirectional ? 2 : 1;
  }

  /** The number of input features. */
  public final int inputSize() {
    return inputSize;
  }

  /** The size of each direction's hidden state. */
  public final int hiddenSize() {
    return hiddenSize;
  }

  /** The number of stacked layers. */
  public final int numLayers() {
    return numLayers;
  }

  /** Whether each layer also runs backwards in time. */
  public final boolean isBidirectional() {
    return bidirectional;
  }

  /** Whether input and output put the batch dimension first. */
  public final boolean isBatchFirst() {
    return batchFirst;
  }

  /** Whether the layers have biases. */
  public final boolean hasBias() {
    return bias;
  }

  /** The dropout probability between layers (training mode only). */
  public final float dropout() {
    return dropout;
  }

  @Override
  protected String extraRepr() {
    StringBuilder sb = new StringBuilder().append(inputSize).append(", ").append(hiddenSize);
    if (numLayers != 1) {
      sb.append(", numLayers=").append(numLayers);
    }
    if (!bias) {
      sb.append(", bias=false");
    }
    if (batchFirst) {
      sb.append(", batchFirst=true");
    }
    if (dropout != 0) {
      sb.append(", dropout=").append(dropout);
    }
    if (bidirectional) {
      sb.append(", bidirectional=true");
    }
    return sb.toString();
  }

  /**
   * Configures a sequence layer; get one from {@link Rnn#builder}, {@link Lstm#builder} or {@link
   * Gru#builder}. Setters check their argument at once and return this builder.
   *
   * @param <L> the layer it builds
   */
  public static final class Builder<L extends RecurrentLayer> {
    final String layerName;
    final int inputSize;
    final int hiddenSize;
    private final BiFunction<Builder<L>, RandomGenerator, L> factory;
    private final boolean hasNonlinearity;
    int numLayers = 1;
    boolean bidirectional;
    boolean batchFirst;
    boolean bias = true;
    float dropout;
    RnnCell.Nonlinearity nonlinearity = RnnCell.Nonlinearity.TANH;

    Builder(
        String layerName,
        int inputSize,
        int hiddenSize,
        boolean hasNonlinearity,
        BiFunction<Builder<L>, RandomGenerator, L> factory) {
      checkArgument(
          inputSize > 0 && hiddenSize > 0,
          "%s: sizes must be positive, got inputSize=%s, hiddenSize=%s",
          layerName,
          inputSize,
          hiddenSize);
      this.layerName = layerName;
      this.inputSize = inputSize;
      this.hiddenSize = hiddenSize;
      this.hasNonlinearity = hasNonlinearity;
      this.factory = factory;
    }

    /** The number of stacked layers (default 1). */
    public Builder<L> numLayers(int value) {
      checkArgument(value >= 1, "%s: numLayers must be at least 1, got %s", layerName, value);
      numLayers = value;
      return this;
    }

    /** Whether each layer also runs backwards in time (default false). */
    public Builder<L> bidirectional(boolean value) {
      bidirectional = value;
      return this;
    }

    /**
     * Whether input and output are {@code [B, T, features]} (default false: {@code [T, B, ...]}).
     */
    public Builder<L> batchFirst(boolean value) {
      batchFirst = value;
      return this;
    }

    /** Whether the layers have biases {@code b_ih} and {@code b_hh} (default true). */
    public Builder<L> bias(boolean value) {
      bias = value;
      return this;
    }

    /**
     * The dropout probability on the outputs of every layer but the last, in training mode (default
     * 0). Needs {@code numLayers > 1}, where it has an effect.
     */
    public Builder<L> dropout(float p) {
      checkArgument(p >= 0 && p < 1, "%s: dropout must be in [0, 1), got %s", layerName, p);
      dropout = p;
      return this;
    }

    /**
     * The nonlinearity of an {@link Rnn} (default tanh).
     *
     * @throws IllegalStateException for an Lstm or Gru, whose nonlinearities are fixed
     */
    public Builder<L> nonlinearity(RnnCell.Nonlinearity value) {
      checkState(
          hasNonlinearity, "%s: the nonlinearity is fixed; only an Rnn has a choice", layerName);
      checkArgument(value != null, "%s: nonlinearity must not be null", layerName);
      nonlinearity = value;
      return this;
    }

    /**
     * Builds the layer, drawing its initial weights from {@code random}, which the layer keeps for
     * its dropout masks.
     *
     * @throws IllegalArgumentException if dropout is set on a single layer, where it would do
     *     nothing
     */
    public L build(RandomGenerator random) {
      checkArgument(
          dropout == 0 || numLayers > 1,
          "%s: dropout %s acts between layers, so it needs numLayers > 1 (got 1)",
          layerName,
          dropout);
      return factory.apply(this, random);
    }
  }
}
