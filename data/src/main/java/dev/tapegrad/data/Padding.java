package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Pads variable-length sequences into one batch and reports their lengths, which the recurrent
 * layers ({@code Rnn}, {@code Lstm}, {@code Gru}) take as {@code forward(input, lengths)}:
 * PyTorch's {@code pad_sequence} followed by {@code pack_padded_sequence}, in one step.
 *
 * <pre>{@code
 * Padded batch = Padding.pad(sequences, false, 0f);        // [T, B, F], time-major
 * RnnOutput out = gru.forward(batch.values(), batch.lengths());
 * }</pre>
 *
 * <p>Layout follows the recurrent layers: time-major {@code [T, B, ...]} by default (as PyTorch's
 * {@code pad_sequence} and {@code nn.GRU} default), batch-first {@code [B, T, ...]} for a layer
 * built with {@code batchFirst(true)}. {@code T} is the longest length; sequences keep the order
 * they were given in and need not be sorted. An empty sequence is rejected, since a recurrent layer
 * needs at least one step of each. To keep padding small, bucket batches by length with {@link
 * DataLoader.Builder#bucketBy}.
 */
public final class Padding {
  private Padding() {}

  /**
   * Float sequences padded into one tensor.
   *
   * @param values {@code [T, B, ...]} or, batch-first, {@code [B, T, ...]}
   * @param lengths each sequence's number of real steps, in {@code [1, T]}
   */
  public record Padded(Tensor values, int[] lengths) {}

  /**
   * Token sequences padded into one array of ids, for an embedding.
   *
   * @param ids the padded ids, row-major in the layout asked for: {@code ids[t * B + b]}
   *     time-major, {@code ids[b * T + t]} batch-first; pass them to {@code Embedding.forward(ids)}
   *     and reshape to {@code [T, B, E]} (or {@code [B, T, E]})
   * @param steps {@code T}, the longest length
   * @param batch {@code B}
   * @param lengths each sequence's number of real tokens
   * @param batchFirst the layout of {@code ids}
   */
  public record PaddedTokens(int[] ids, int steps, int batch, int[] lengths, boolean batchFirst) {
    /** The id at step {@code t} of sequence {@code b}. */
    public int id(int t, int b) {
      return ids[batchFirst ? b * steps + t : t * batch + b];
    }
  }

  /**
   * Pads float sequences {@code [length_i, ...]} (equal trailing shapes) with {@code padValue}.
   *
   * @throws IllegalArgumentException if the list is empty, a sequence is empty or the trailing
   *     shapes differ
   */
  public static Padded pad(List<Tensor> sequences, boolean batchFirst, float padValue) {
    checkNotNull(sequences, "Padding.pad: sequences is null");
    checkArgument(!sequences.isEmpty(), "Padding.pad: no sequences");
    Tensor first = sequences.get(0);
    checkArgument(
        first.dim() >= 1, "Padding.pad: sequence 0 is a scalar; sequences are [length, ...]");
    int[] feature = Arrays.copyOfRange(first.shape(), 1, first.dim());
    int featureSize = Arrays.stream(feature).reduce(1, Math::multiplyExact);
    int batch = sequences.size();
    int[] lengths = new int[batch];
    for (int b = 0; b < batch; b++) {
      Tensor s = sequences.get(b);
      int[] shape = s.shape();
      checkArgument(
          shape.length >= 1 && Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), feature),
          "Padding.pad: sequence %s has shape %s but sequence 0 has %s (only the first dimension may differ)",
          b,
          Arrays.toString(shape),
          Arrays.toString(first.shape()));
      checkArgument(
          shape[0] >= 1, "Padding.pad: sequence %s is empty (shape %s)", b, Arrays.toString(shape));
      lengths[b] = shape[0];
    }
    int steps = Arrays.stream(lengths).max().getAsInt();
    float[] out = new float[steps * batch * featureSize];
    if (padValue != 0f) {
      Arrays.fill(out, padValue);
    }
    for (int b = 0; b < batch; b++) {
      float[] v = sequences.get(b).toFloatArray();
      for (int t = 0; t < lengths[b]; t++) {
        int to = (batchFirst ? b * steps + t : t * batch + b) * featureSize;
        System.arraycopy(v, t * featureSize, out, to, featureSize);
      }
    }
    int[] shape = new int[2 + feature.length];
    shape[0] = batchFirst ? batch : steps;
    shape[1] = batchFirst ? steps : batch;
    System.arraycopy(feature, 0, shape, 2, feature.length);
    return new Padded(Tensor.of(out, shape), lengths);
  }

  /**
   * Pads token sequences with {@code padId}.
   *
   * @throws IllegalArgumentException if the list is empty or a sequence is empty
   */
  public static PaddedTokens padTokens(List<int[]> sequences, boolean batchFirst, int padId) {
    checkNotNull(sequences, "Padding.padTokens: sequences is null");
    checkArgument(!sequences.isEmpty(), "Padding.padTokens: no sequences");
    int batch = sequences.size();
    int[] lengths = new int[batch];
    for (int b = 0; b < batch; b++) {
      checkArgument(sequences.get(b).length >= 1, "Padding.padTokens: sequence %s is empty", b);
      lengths[b] = sequences.get(b).length;
    }
    int steps = Arrays.stream(lengths).max().getAsInt();
    int[] ids = new int[steps * batch];
    Arrays.fill(ids, padId);
    for (int b = 0; b < batch; b++) {
      int[] s = sequences.get(b);
      for (int t = 0; t < s.length; t++) {
        ids[batchFirst ? b * steps + t : t * batch + b] = s[t];
      }
    }
    return new PaddedTokens(ids, steps, batch, lengths, batchFirst);
  }
}
