package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;

/**
 * A batch of labelled examples: the inputs stacked along a new first dimension and their labels,
 * ready for {@code Functional.crossEntropy(model.forward(batch.inputs()), batch.labels())}.
 *
 * @param inputs {@code [B, ...]}
 * @param labels {@code B} class indices
 */
public record Batch(Tensor inputs, int[] labels) {
  /** Checks that there is one label per row. */
  public Batch {
    checkNotNull(inputs, "Batch: inputs is null");
    checkNotNull(labels, "Batch: labels is null");
    checkArgument(
        inputs.dim() >= 1 && inputs.size(0) == labels.length,
        "Batch: inputs %s need one label per row, got %s labels",
        Arrays.toString(inputs.shape()),
        labels.length);
  }

  /** The number of examples. */
  public int size() {
    return labels.length;
  }
}
