package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * Counts of (actual, predicted) class pairs, accumulated over batches: rows are the actual classes,
 * columns the predicted ones, as in scikit-learn's and torchmetrics' {@code confusion_matrix}.
 *
 * <pre>{@code
 * ConfusionMatrix matrix = new ConfusionMatrix(3);
 * for (Batch b : validation.epoch(0)) matrix.update(model.forward(b.inputs()), b.labels());
 * System.out.println(matrix);        // the table, then accuracy
 * double r = matrix.recall(2);
 * }</pre>
 *
 * <p>Precision or recall of a class that was never predicted (or never present) is NaN, where
 * scikit-learn warns and returns 0: a NaN cannot be mistaken for a measured zero.
 */
public final class ConfusionMatrix {
  private final long[][] counts;

  /** An empty matrix over {@code classes} classes. */
  public ConfusionMatrix(int classes) {
    checkArgument(classes >= 1, "ConfusionMatrix: classes must be >= 1, got %s", classes);
    counts = new long[classes][classes];
  }

  /** Adds each row's predicted class (its first highest score) against its label. */
  public ConfusionMatrix update(Tensor scores, int[] labels) {
    int classes = Metrics.checkScores("ConfusionMatrix.update", scores, labels);
    checkArgument(
        classes == counts.length,
        "ConfusionMatrix.update: scores have %s classes, the matrix %s",
        classes,
        counts.length);
    return update(Metrics.predictions(scores), labels);
  }

  /** Adds each pair {@code (labels[i], predicted[i])}. */
  public ConfusionMatrix update(int[] predicted, int[] labels) {
    checkArgument(
        predicted.length == labels.length,
        "ConfusionMatrix.update: %s predictions for %s labels",
        predicted.length,
        labels.length);
    for (int i = 0; i < labels.length; i++) {
      checkClass("label", labels[i], i);
      checkClass("prediction", predicted[i], i);
    }
    for (int i = 0; i < labels.length; i++) {
      counts[labels[i]][predicted[i]]++;
    }
    return this;
  }

  private void checkClass(String what, int c, int position) {
    checkArgument(
        c >= 0 && c < counts.length,
        "ConfusionMatrix.update: %s %s at position %s is outside [0, %s)",
        what,
        c,
        position,
        counts.length);
  }

  /** The number of classes. */
  public int classes() {
    return counts.length;
  }

  /** How often class {@code actual} was predicted as {@code predicted}. */
  public long count(int actual, int predicted) {
    return counts[actual][predicted];
  }

  /** Every pair counted. */
  public long total() {
    long t = 0;
    for (long[] row : counts) {
      for (long v : row) {
        t += v;
      }
    }
    return t;
  }

  /** The fraction on the diagonal; NaN when empty. */
  public double accuracy() {
    long diagonal = 0;
    for (int c = 0; c < counts.length; c++) {
      diagonal += counts[c][c];
    }
    long total = total();
    return total == 0 ? Double.NaN : diagonal / (double) total;
  }

  /** Of the examples predicted as {@code c}, the fraction that are {@code c}. */
  public double precision(int c) {
    long column = 0;
    for (long[] row : counts) {
      column += row[c];
    }
    return column == 0 ? Double.NaN : counts[c][c] / (double) column;
  }

  /** Of the examples of class {@code c}, the fraction predicted as {@code c}. */
  public double recall(int c) {
    long row = 0;
    for (long v : counts[c]) {
      row += v;
    }
    return row == 0 ? Double.NaN : counts[c][c] / (double) row;
  }

  /** Sets every count to zero. */
  public void reset() {
    for (long[] row : counts) {
      Arrays.fill(row, 0);
    }
  }

  /** The table (rows actual, columns predicted), then the accuracy. */
  @Override
  public String toString() {
    int width = Math.max(5, Long.toString(Math.max(total(), counts.length)).length() + 1);
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-10s", "actual\\pred"));
    for (int c = 0; c < counts.length; c++) {
      sb.append(String.format(Locale.ROOT, "%" + width + "d", c));
    }
    sb.append('\n');
    for (int a = 0; a < counts.length; a++) {
      sb.append(String.format(Locale.ROOT, "%-10d", a));
      for (long v : counts[a]) {
        sb.append(String.format(Locale.ROOT, "%" + width + "d", v));
      }
      sb.append('\n');
    }
    return sb.append(String.format(Locale.ROOT, "accuracy %.4f of %d", accuracy(), total()))
        .toString();
  }
}
