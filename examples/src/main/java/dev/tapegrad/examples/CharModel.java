package dev.tapegrad.examples;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Block;
import dev.tapegrad.nn.Embedding;
import dev.tapegrad.nn.Gru;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.Lstm;
import dev.tapegrad.nn.RecurrentLayer;
import dev.tapegrad.nn.Rnn;
import dev.tapegrad.nn.RnnOutput;
import dev.tapegrad.nn.RnnState;
import java.util.random.RandomGenerator;

/**
 * A character-level language model: an embedding of each character, a recurrent network, and a
 * linear map from its hidden state to the logits of the next character.
 *
 * <pre>
 *   e_t = E[x_t]                 (embedding, [vocab, embed])
 *   h_t = RNN(e_t, h_{t-1})      (LSTM, GRU or Elman; one or more layers)
 *   p(x_{t+1}) = softmax(W h_t + b)
 * </pre>
 */
final class CharModel extends Block {
  /** Which recurrent network to use. */
  enum Cell {
    LSTM,
    GRU,
    RNN
  }

  private final Embedding embedding;
  private final RecurrentLayer rnn;
  private final Linear head;
  private final int vocab;

  CharModel(Cell cell, int vocab, int embed, int hidden, int layers, RandomGenerator random) {
    this.vocab = vocab;
    embedding = registerBlock("embedding", new Embedding(vocab, embed, random));
    RecurrentLayer.Builder<? extends RecurrentLayer> builder;
    builder =
        switch (cell) {
          case LSTM -> Lstm.builder(embed, hidden);
          case GRU -> Gru.builder(embed, hidden);
          default -> Rnn.builder(embed, hidden);
        };
    rnn = registerBlock("rnn", builder.numLayers(layers).build(random));
    head = registerBlock("head", new Linear(hidden, vocab, random));
  }

  /** The output of one forward pass: logits {@code [T * B, vocab]} and the final state. */
  record Result(Tensor logits, RnnState state) {}

  /**
   * Runs over {@code tokens[t][b]} (time-major) from {@code state} (null for zeros); the logits'
   * row {@code t * B + b} predicts the character after {@code tokens[t][b]}.
   */
  Result forward(int[][] tokens, RnnState state) {
    int steps = tokens.length;
    int batch = tokens[0].length;
    int[] flat = new int[steps * batch];
    for (int t = 0; t < steps; t++) {
      System.arraycopy(tokens[t], 0, flat, t * batch, batch);
    }
    Tensor x = embedding.forward(flat).reshape(steps, batch, -1);
    RnnOutput out = rnn.forward(x, state);
    Tensor logits = head.forward(out.output().reshape(steps * batch, -1));
    return new Result(logits, out.state());
  }

  int vocab() {
    return vocab;
  }
}
