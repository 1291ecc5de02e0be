package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Collate functions: how a {@link DataLoader} turns the list of examples of one batch into what the
 * model takes, PyTorch's {@code collate_fn}. A collate function is any {@code Function<List<T>,
 * B>}; this class holds the default one. For variable-length sequences see {@link Padding}.
 */
public final class Collate {
  private Collate() {}

  /**
   * The default: stacks the inputs along a new first dimension and gathers the labels, as PyTorch's
   * {@code default_collate} does for {@code (tensor, int)} pairs.
   *
   * @throws IllegalArgumentException (when applied) if the inputs' shapes differ, naming the first
   *     example that differs; pad sequences with {@link Padding} instead
   */
  public static Function<List<Example>, Batch> stack() {
    return Collate::stack;
  }

  private static Batch stack(List<Example> examples) {
    checkArgument(!examples.isEmpty(), "Collate.stack: empty batch");
    int[] shape = examples.get(0).input().shape();
    List<Tensor> inputs = new ArrayList<>(examples.size());
    int[] labels = new int[examples.size()];
    for (int i = 0; i < labels.length; i++) {
      Example e = examples.get(i);
      if (!e.input().hasShape(shape)) {
        throw new IllegalArgumentException(
            "Collate.stack: example "
                + i
                + " has input "
                + Arrays.toString(e.input().shape())
                + " but example 0 has "
                + Arrays.toString(shape)
                + "; pad variable-length inputs with Padding");
      }
      inputs.add(e.input().detach());
      labels[i] = e.label();
    }
    try (var scope = Autograd.noGrad()) {
      return new Batch(Tensor.stack(inputs, 0), labels);
    }
  }
}
