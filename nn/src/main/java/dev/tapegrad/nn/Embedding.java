package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.autograd.Trace;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A lookup table of learned vectors, as PyTorch's {@code nn.Embedding}: index {@code i} maps to row
 * {@code i} of {@code weight} {@code [numEmbeddings, embeddingDim]}.
 *
 * <p>The weight starts at {@code N(0, 1)} (PyTorch's default), drawn from the generator given to
 * the constructor. With a padding index, that row starts at zero and receives no gradient, so it
 * stays what it is (PyTorch's {@code padding_idx}); its value is still returned by lookups.
 *
 * <p>Indices come as an {@code int[]} or as a tensor of integral values (tapegrad tensors are
 * float32, exact for indices below 2²⁴).
 */
public final class Embedding extends Layer {
  private final int numEmbeddings;
  private final int embeddingDim;
  private final int paddingIdx;
  private final Tensor weight;

  /** An embedding without a padding index. */
  public Embedding(int numEmbeddings, int embeddingDim, RandomGenerator random) {
    this(numEmbeddings, embeddingDim, random, -1);
  }

  /**
   * An embedding whose row {@code paddingIdx} is zero and never updated.
   *
   * @param paddingIdx a row in {@code [-numEmbeddings, numEmbeddings)}; negative values count from
   *     the end, as in PyTorch
   */
  public Embedding(int numEmbeddings, int embeddingDim, int paddingIdx, RandomGenerator random) {
    this(numEmbeddings, embeddingDim, random, checkPadding(paddingIdx, numEmbeddings));
  }

  private static int checkPadding(int paddingIdx, int numEmbeddings) {
    checkArgument(
        paddingIdx >= -numEmbeddings && paddingIdx < numEmbeddings,
        "Embedding: paddingIdx %s out of range for %s embeddings",
        paddingIdx,
        numEmbeddings);
    return Math.floorMod(paddingIdx, numEmbeddings);
  }

  private Embedding(int numEmbeddings, int embeddingDim, RandomGenerator random, int paddingIdx) {
    checkArgument(
        numEmbeddings > 0 && embeddingDim > 0,
        "Embedding: sizes must be positive, got numEmbeddings=%s, embeddingDim=%s",
        numEmbeddings,
        embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = paddingIdx;
    float[] values =
        Init.normal(Tensor.zeros(numEmbeddings, embeddingDim), 0, 1, random).toFloatArray();
    if (paddingIdx >= 0) {
      Arrays.fill(values, paddingIdx * embeddingDim, (paddingIdx + 1) * embeddingDim, 0f);
    }
    this.weight = registerParameter("weight", Tensor.of(values, numEmbeddings, embeddingDim));
  }

  /** Looks up {@code indices}; returns {@code [indices.length, embeddingDim]}. */
  public Tensor forward(int... indices) {
    for (int i = 0; i < indices.length; i++) {
      if (indices[i] < 0 || indices[i] >= numEmbeddings) {
        throw new IndexOutOfBoundsException(
            String.format(
                "Embedding: index %d at position %d out of range for %d embeddings",
                indices[i], i, numEmbeddings));
      }
    }
    Tensor rows = weight.indexSelect(0, indices);
    if (paddingIdx < 0 || Arrays.stream(indices).noneMatch(i -> i == paddingIdx)) {
      return rows;
    }
    // padding rows read the detached weight, so no gradient reaches them
    float[] keep = new float[indices.length];
    for (int i = 0; i < keep.length; i++) {
      keep[i] = indices[i] == paddingIdx ? 0f : 1f;
    }
    Tensor mask = Tensor.of(keep, indices.length, 1);
    return Tensor.where(mask, rows, weight.detach().indexSelect(0, indices));
  }

  /**
   * Looks up a tensor of integral indices of any shape {@code [*]}; returns {@code [*,
   * embeddingDim]}.
   */
  @Override
  public Tensor forward(Tensor indices) {
    if (Trace.active()) return LayerTrace.embedding(this, indices);
    float[] values = indices.toFloatArray();
    int[] idx = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      checkInput(
          v == Math.rint(v),
          "indices %s must hold integral values, found %s at flat position %s",
          Arrays.toString(indices.shape()),
          v,
          i);
      if (!(v >= 0 && v < numEmbeddings)) {
        // checked on the float: a cast to int would turn 1e10 into 2147483647
        throw new IndexOutOfBoundsException(
            String.format(
                "Embedding: index %s at flat position %d of indices %s out of range for %d"
                    + " embeddings",
                v, i, Arrays.toString(indices.shape()), numEmbeddings));
      }
      idx[i] = (int) v;
    }
    int[] shape = indices.shape();
    int[] outShape = Arrays.copyOf(shape, shape.length + 1);
    outShape[shape.length] = embeddingDim;
    return forward(idx).reshape(outShape);
  }

  /** The weight parameter, {@code [numEmbeddings, embeddingDim]}. */
  public Tensor weight() {
    return weight;
  }

  /** The number of rows. */
  public int numEmbeddings() {
    return numEmbeddings;
  }

  /** The size of each vector. */
  public int embeddingDim() {
    return embeddingDim;
  }

  /** The padding row (in {@code [0, numEmbeddings)}), or -1 for none. */
  public int paddingIdx() {
    return paddingIdx;
  }

  @Override
  protected String extraRepr() {
    return numEmbeddings
        + ", "
        + embeddingDim
        + (paddingIdx >= 0 ? ", paddingIdx=" + paddingIdx : "");
  }
}
