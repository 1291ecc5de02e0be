package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;

/** A module that maps one tensor to one tensor, so it can be chained in a {@link Sequential}. */
public abstract class Layer extends Block {
  /** Applies the layer. */
  public abstract Tensor forward(Tensor input);
}
