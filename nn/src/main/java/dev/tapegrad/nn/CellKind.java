package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;
import java.util.List;

/**
 * The recurrences of the recurrent family, once each: how many gates a cell has, whether its hidden
 * bias folds into the input projection, and its step composed from autograd ops. The composed step
 * is the reference that {@link FusedDirection} is tested against, and the path a backward takes
 * when its own graph is recorded ({@code createGraph}). Internal.
 */
enum CellKind {
  /** Elman, {@code h' = tanh(p + h W_hhᵀ)}, p the input projection with both biases. */
  RNN_TANH(1),
  /** Elman, {@code h' = relu(p + h W_hhᵀ)}. */
  RNN_RELU(1),
  /** LSTM, gates i, f, g, o. */
  LSTM(4),
  /** GRU, gates r, z, n; {@code b_hh} stays inside the step because r scales its n part. */
  GRU(3);

  /** The number of gates G: the weights have {@code G * H} rows. */
  final int gates;

  CellKind(int gates) {
    this.gates = gates;
  }

  static CellKind elman(RnnCell.Nonlinearity nonlinearity) {
    return nonlinearity == RnnCell.Nonlinearity.TANH ? RNN_TANH : RNN_RELU;
  }

  /** Whether the state carries a cell state c besides h (the LSTM's). */
  boolean hasCellState() {
    return this == LSTM;
  }

  /** Whether {@code b_hh} can be added to the input projection once, for all steps. */
  boolean foldsHiddenBias() {
    return this != GRU;
  }

  /**
   * The bias added to the input projection: {@code b_ih + b_hh} when it folds, else {@code b_ih}.
   */
  Tensor inputBias(Tensor biasIh, Tensor biasHh) {
    return foldsHiddenBias() ? Recurrence.sumOfBiases(biasIh, biasHh) : biasIh;
  }

  /**
   * One step composed from autograd ops: the new state ({@code {h}} or {@code {h, c}}) from this
   * step's input projection {@code [B, G*H]} (see {@link #inputBias}), the state, {@code W_hh} and
   * {@code b_hh} (used by the GRU only; null without biases).
   */
  Tensor[] composedStep(Tensor projection, Tensor[] state, Tensor weightHh, Tensor biasHh) {
    Tensor h = state[0];
    return switch (this) {
      case RNN_TANH -> new Tensor[] {projection.add(Recurrence.project(h, weightHh, null)).tanh()};
      case RNN_RELU -> new Tensor[] {projection.add(Recurrence.project(h, weightHh, null)).relu()};
      case LSTM -> {
        List<Tensor> gates = projection.add(Recurrence.project(h, weightHh, null)).chunk(4, 1);
        Tensor i = gates.get(0).sigmoid();
        Tensor f = gates.get(1).sigmoid();
        Tensor g = gates.get(2).tanh();
        Tensor o = gates.get(3).sigmoid();
        Tensor cNext = f.mul(state[1]).add(i.mul(g));
        yield new Tensor[] {o.mul(cNext.tanh()), cNext};
      }
      case GRU -> {
        List<Tensor> in = projection.chunk(3, 1);
        List<Tensor> hidden = Recurrence.project(h, weightHh, biasHh).chunk(3, 1);
        Tensor r = in.get(0).add(hidden.get(0)).sigmoid();
        Tensor z = in.get(1).add(hidden.get(1)).sigmoid();
        Tensor n = in.get(2).add(r.mul(hidden.get(2))).tanh();
        yield new Tensor[] {n.add(z.mul(h.sub(n)))};
      }
    };
  }
}
