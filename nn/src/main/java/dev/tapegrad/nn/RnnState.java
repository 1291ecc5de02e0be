package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;

/**
 * The state a recurrent network carries from one step (or one chunk of steps) to the next: the
 * hidden state {@code h} and, for an LSTM, the cell state {@code c}.
 *
 * <p>For a cell, {@code h} and {@code c} have shape {@code [batch, hidden]} (or {@code [hidden]}
 * unbatched); for a sequence layer, {@code [numLayers * directions, batch, hidden]} (or without the
 * batch dimension), PyTorch's layout of {@code h_0} and {@code c_0}.
 *
 * <p>Truncated backpropagation through time carries the state across chunks with {@link #detach()}:
 * the values flow on, the gradient stops at the cut (see {@link RecurrentLayer}).
 *
 * @param h the hidden state, never null
 * @param c the cell state of an LSTM; null for the other networks
 */
public record RnnState(Tensor h, Tensor c) {
  /** Checks that {@code h} is present. */
  public RnnState {
    checkArgument(h != null, "RnnState: the hidden state h must not be null");
  }

  /** A state with a hidden state only (Elman RNN, GRU). */
  public static RnnState of(Tensor h) {
    return new RnnState(h, null);
  }

  /** A state with hidden and cell state (LSTM). */
  public static RnnState of(Tensor h, Tensor c) {
    checkArgument(
        c != null, "RnnState.of: the cell state c must not be null; use of(h) without one");
    return new RnnState(h, c);
  }

  /** Whether this state has a cell state (is an LSTM's). */
  public boolean hasCellState() {
    return c != null;
  }

  /**
   * The same values cut from the graph, for truncated backpropagation through time: no gradient
   * flows from later steps into the steps that produced this state.
   */
  public RnnState detach() {
    return new RnnState(h.detach(), c == null ? null : c.detach());
  }
}
