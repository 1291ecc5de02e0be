package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.tapegrad.autograd.Tensor;

/**
 * One labelled example: an input tensor and an integer class, the pair that {@link Collate#stack()}
 * turns into a {@link Batch}. For other targets (a regression value, a sequence) use any type of
 * your own with a collate function of your own.
 *
 * @param input the features, of any shape (the same for every example of a batch)
 * @param label the class index
 */
public record Example(Tensor input, int label) {
  /** Checks that the input is present. */
  public Example {
    checkNotNull(input, "Example: input is null");
  }
}
