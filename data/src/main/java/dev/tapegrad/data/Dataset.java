package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import dev.tapegrad.autograd.Tensor;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * A sized, indexable collection of examples: PyTorch's map-style {@code Dataset} ({@code __len__}
 * and {@code __getitem__}).
 *
 * <pre>{@code
 * Dataset<Example> points = Dataset.ofRows(inputs, labels);   // row i of inputs with labels[i]
 * Dataset<Example> scaled = points.map(e -> new Example(e.input().mul(2f), e.label()));
 * }</pre>
 *
 * <p>A dataset is read-only and its {@link #get} is a pure function of the index, so a {@link
 * DataLoader} can fetch any batch of any epoch again (which is what makes an exact resume cheap).
 * {@link #map} is lazy, as {@code torchvision}'s transforms: the function runs on every access. Use
 * {@link #cache()} when it is expensive.
 *
 * @param <T> the type of one example
 */
public interface Dataset<T> {
  /** The number of examples. */
  int size();

  /**
   * The example at {@code index}.
   *
   * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
   */
  T get(int index);

  /** A lazy view that applies {@code transform} to each example as it is read. */
  default <R> Dataset<R> map(Function<? super T, ? extends R> transform) {
    checkNotNull(transform, "Dataset.map: transform is null");
    Dataset<T> source = this;
    return fromFunction(size(), i -> transform.apply(source.get(i)));
  }

  /** A view of the examples at {@code indices}, in that order (PyTorch's {@code Subset}). */
  default Dataset<T> subset(int... indices) {
    int size = size();
    int[] copy = indices.clone();
    for (int i = 0; i < copy.length; i++) {
      if (copy[i] < 0 || copy[i] >= size) {
        throw new IndexOutOfBoundsException(
            "Dataset.subset: index "
                + copy[i]
                + " at position "
                + i
                + " is outside [0, "
                + size
                + ")");
      }
    }
    Dataset<T> source = this;
    return fromFunction(copy.length, i -> source.get(copy[i]));
  }

  /** The examples {@code [from, to)} as a view. */
  default Dataset<T> range(int from, int to) {
    checkArgument(
        0 <= from && from <= to && to <= size(),
        "Dataset.range: [%s, %s) is not within [0, %s]",
        from,
        to,
        size());
    Dataset<T> source = this;
    return fromFunction(to - from, i -> source.get(from + i));
  }

  /** Every example read once now and kept in memory: for a {@link #map} that is expensive. */
  default Dataset<T> cache() {
    return of(asList());
  }

  /** The examples as an unmodifiable list view, read on access. */
  default List<T> asList() {
    Dataset<T> source = this;
    return new AbstractList<>() {
      @Override
      public T get(int index) {
        return source.get(index);
      }

      @Override
      public int size() {
        return source.size();
      }
    };
  }

  /** A dataset of the given examples, copied (nulls are rejected). */
  static <T> Dataset<T> of(List<? extends T> examples) {
    checkNotNull(examples, "Dataset.of: examples is null");
    List<T> copy = ImmutableList.copyOf(examples);
    return fromFunction(copy.size(), copy::get);
  }

  /**
   * A dataset of {@code size} examples computed by {@code example} (called on every access, so it
   * must be a pure function of the index).
   */
  static <T> Dataset<T> fromFunction(int size, IntFunction<? extends T> example) {
    checkArgument(size >= 0, "Dataset.fromFunction: size must be >= 0, got %s", size);
    checkNotNull(example, "Dataset.fromFunction: example is null");
    return new Dataset<>() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public T get(int index) {
        if (index < 0 || index >= size) {
          throw new IndexOutOfBoundsException(
              "Dataset.get: index " + index + " is outside [0, " + size + ")");
        }
        return example.apply(index);
      }

      @Override
      public String toString() {
        return "Dataset(size=" + size + ")";
      }
    };
  }

  /**
   * The rows of {@code inputs} (its first dimension) with their class {@code labels}: PyTorch's
   * {@code TensorDataset(x, y)} for classification. Example {@code i} holds {@code inputs[i]}, a
   * view of shape {@code inputs.shape()[1:]}.
   *
   * @throws IllegalArgumentException if {@code inputs} is a scalar or the counts differ
   */
  static Dataset<Example> ofRows(Tensor inputs, int[] labels) {
    checkNotNull(inputs, "Dataset.ofRows: inputs is null");
    checkNotNull(labels, "Dataset.ofRows: labels is null");
    checkArgument(
        inputs.dim() >= 1, "Dataset.ofRows: inputs must have a first dimension, got a scalar");
    checkArgument(
        inputs.size(0) == labels.length,
        "Dataset.ofRows: inputs %s have %s rows but there are %s labels",
        Arrays.toString(inputs.shape()),
        inputs.size(0),
        labels.length);
    Tensor data = inputs.detach();
    int[] copy = labels.clone();
    return fromFunction(copy.length, i -> new Example(data.narrow(0, i, 1).squeeze(0), copy[i]));
  }
}
