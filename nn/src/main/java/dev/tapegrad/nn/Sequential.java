package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A chain of layers applied in order, as PyTorch's {@code nn.Sequential}. Children are named {@code
 * "0"}, {@code "1"}, ..., so parameter names read {@code 0.weight}, {@code 2.bias}, as in PyTorch.
 * An empty chain is the identity.
 */
public final class Sequential extends Layer {
  private final List<Layer> layers = new ArrayList<>();

  /** A chain of the given layers. */
  public Sequential(Layer... layers) {
    for (Layer layer : layers) {
      append(layer);
    }
  }

  /** Adds a layer at the end and returns this. */
  public Sequential append(Layer layer) {
    registerBlock(Integer.toString(layers.size()), layer);
    layers.add(layer);
    return this;
  }

  /** Applies each layer to the previous one's output. */
  @Override
  public Tensor forward(Tensor input) {
    Tensor x = input;
    for (Layer layer : layers) {
      x = layer.forward(x);
    }
    return x;
  }

  /** The layer at {@code index}. */
  public Layer get(int index) {
    return layers.get(index);
  }

  /** The number of layers. */
  public int size() {
    return layers.size();
  }

  /** The layers in order (unmodifiable). */
  public List<Layer> layers() {
    return Collections.unmodifiableList(layers);
  }
}
