package com.example.consumer;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.*;
import java.util.random.RandomGenerator;

/**
 * A user's own model: a two-layer perceptron with a tanh hidden layer. Written as a user would,
 * with a wildcard import of {@code dev.tapegrad.nn}: {@code Block} must not clash with any
 * {@code java.lang} type.
 */
public class MyModel extends Block {
  private final Linear hidden;
  private final Linear out;

  public MyModel(int in, int width, int classes, RandomGenerator random) {
    hidden = registerBlock("hidden", new Linear(in, width, random));
    out = registerBlock("out", new Linear(width, classes, random));
  }

  public Tensor forward(Tensor x) {
    return out.forward(hidden.forward(x).tanh());
  }
}
