package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;

/**
 * What a sequence layer ({@link Rnn}, {@link Lstm}, {@link Gru}) returns, in PyTorch's layouts.
 *
 * <ul>
 *   <li>{@code output}: the last layer's hidden state at every step, {@code [T, B, D * H]}, or
 *       {@code [B, T, D * H]} with {@code batchFirst}, or {@code [T, D * H]} for unbatched input
 *       ({@code D} = 2 if bidirectional, else 1). For a bidirectional layer the forward direction
 *       comes first in the last dimension. With sequence lengths, steps past a sequence's end are
 *       zero.
 *   <li>{@code hN}: every layer's and direction's final hidden state, {@code [numLayers * D, B, H]}
 *       (or {@code [numLayers * D, H]} unbatched), ordered layer 0 forward, layer 0 reverse, layer
 *       1 forward, ...; with sequence lengths, the state at each sequence's last valid step.
 *   <li>{@code cN}: the final cell states of an LSTM, laid out as {@code hN}; null otherwise.
 * </ul>
 *
 * @param output the outputs at every step
 * @param hN the final hidden states
 * @param cN the final cell states (LSTM only), or null
 */
public record RnnOutput(Tensor output, Tensor hN, Tensor cN) {
  /**
   * The final state, ready to be passed as the initial state of the next chunk (after {@link
   * RnnState#detach()} for truncated backpropagation through time).
   */
  public RnnState state() {
    return new RnnState(hN, cN);
  }
}
