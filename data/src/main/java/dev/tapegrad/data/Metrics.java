package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;

/**
 * Evaluation metrics of classifiers and language models: accuracy, top-k accuracy, perplexity and
 * bits per character. For a confusion matrix see {@link ConfusionMatrix}; to average a metric over
 * batches of different sizes see {@link WeightedMean}.
 *
 * <p>Scores are {@code [N, C]} (logits or probabilities: only their order matters) with one class
 * index per row, the layout of {@code Functional.crossEntropy}. These are plain functions of one
 * batch, like {@code torchmetrics.functional}; accumulate over an epoch with {@link
 * ConfusionMatrix#update} or {@link WeightedMean}, which is what the stateful torchmetrics classes
 * do.
 *
 * <p>Ties and NaN: the predicted class is the first of the highest scores (as {@code argmax}); a
 * target is in the top {@code k} when fewer than {@code k} classes rank above it, a class ranking
 * above when its score is higher, or equal with a lower index. NaN ranks below every number, so a
 * row whose target scores NaN is wrong. Nothing here records on the tape.
 */
public final class Metrics {
  private static final double LN2 = Math.log(2);

  private Metrics() {}

  /** The fraction of rows of {@code scores} {@code [N, C]} whose highest score is the label's. */
  public static double accuracy(Tensor scores, int[] labels) {
    return topKAccuracy(scores, labels, 1);
  }

  /** The fraction of positions where {@code predicted} equals {@code labels}. */
  public static double accuracy(int[] predicted, int[] labels) {
    checkNotNull(predicted, "Metrics.accuracy: predicted is null");
    checkNotNull(labels, "Metrics.accuracy: labels is null");
    checkArgument(
        predicted.length == labels.length && labels.length > 0,
        "Metrics.accuracy: %s predictions for %s labels (need as many, and at least one)",
        predicted.length,
        labels.length);
    int right = 0;
    for (int i = 0; i < labels.length; i++) {
      right += predicted[i] == labels[i] ? 1 : 0;
    }
    return right / (double) labels.length;
  }

  /**
   * The fraction of rows of {@code scores} {@code [N, C]} whose label is among the {@code k}
   * highest-scoring classes (see the class documentation for ties).
   *
   * @throws IllegalArgumentException if the shapes do not fit, {@code k} is not in {@code [1, C]}
   *     or a label is not a class
   */
  public static double topKAccuracy(Tensor scores, int[] labels, int k) {
    int classes = checkScores("topKAccuracy", scores, labels);
    checkArgument(
        k >= 1 && k <= classes, "Metrics.topKAccuracy: k = %s is outside [1, %s]", k, classes);
    float[] s = scores.toFloatArray();
    int right = 0;
    for (int i = 0; i < labels.length; i++) {
      right += rank(s, i * classes, classes, labels[i]) < k ? 1 : 0;
    }
    return right / (double) labels.length;
  }

  /** The predicted class of each row of {@code scores} {@code [N, C]}: the first highest score. */
  public static int[] predictions(Tensor scores) {
    checkNotNull(scores, "Metrics.predictions: scores is null");
    checkArgument(
        scores.dim() == 2 && scores.size(1) >= 1,
        "Metrics.predictions: scores must be [N, C], got %s",
        Arrays.toString(scores.shape()));
    int rows = scores.size(0);
    int classes = scores.size(1);
    float[] s = scores.toFloatArray();
    int[] out = new int[rows];
    for (int i = 0; i < rows; i++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (key(s[i * classes + c]) > key(s[i * classes + best])) {
          best = c;
        }
      }
      out[i] = best;
    }
    return out;
  }

  /**
   * The perplexity {@code exp(H)} of a mean cross-entropy {@code H} in nats per token (what {@code
   * Functional.crossEntropy} returns): the number of equally likely choices the model is as unsure
   * as.
   */
  public static double perplexity(double meanCrossEntropyNats) {
    checkArgument(
        meanCrossEntropyNats >= 0,
        "Metrics.perplexity: cross-entropy must be >= 0, got %s",
        meanCrossEntropyNats);
    return Math.exp(meanCrossEntropyNats);
  }

  /**
   * Bits per character {@code H / ln 2} of a mean cross-entropy {@code H} in nats per character;
   * {@code log2} of the perplexity.
   */
  public static double bitsPerCharacter(double meanCrossEntropyNats) {
    checkArgument(
        meanCrossEntropyNats >= 0,
        "Metrics.bitsPerCharacter: cross-entropy must be >= 0, got %s",
        meanCrossEntropyNats);
    return meanCrossEntropyNats / LN2;
  }

  /** Checks scores {@code [N, C]} against N labels in {@code [0, C)}; returns C. */
  static int checkScores(String op, Tensor scores, int[] labels) {
    checkNotNull(scores, "Metrics.%s: scores is null", op);
    checkNotNull(labels, "Metrics.%s: labels is null", op);
    checkArgument(
        scores.dim() == 2
            && scores.size(0) == labels.length
            && labels.length > 0
            && scores.size(1) >= 1,
        "Metrics.%s: scores %s do not fit %s labels (expected [N, C] with N = %s > 0)",
        op,
        Arrays.toString(scores.shape()),
        labels.length,
        labels.length);
    int classes = scores.size(1);
    for (int i = 0; i < labels.length; i++) {
      checkArgument(
          labels[i] >= 0 && labels[i] < classes,
          "Metrics.%s: label %s at position %s is outside [0, %s)",
          op,
          labels[i],
          i,
          classes);
    }
    return classes;
  }

  /** How many classes rank above {@code target} in the row starting at {@code offset}. */
  private static int rank(float[] s, int offset, int classes, int target) {
    float t = key(s[offset + target]);
    int above = 0;
    for (int c = 0; c < classes; c++) {
      float v = key(s[offset + c]);
      if (v > t || (v == t && c < target)) {
        above++;
      }
    }
    return above;
  }

  /** NaN below every number, -inf included. */
  private static float key(float v) {
    return Float.isNaN(v) ? Float.NEGATIVE_INFINITY : v;
  }
}
