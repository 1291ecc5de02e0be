package dev.tapegrad.optim;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.io.CheckpointException;
import dev.tapegrad.io.Safetensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The state-dict conventions shared by optimizers and schedules.
 *
 * <p>Every value in a state dict is a float32 tensor, but hyper-parameters and learning rates are
 * doubles (as in PyTorch, where they are Python floats), and resuming must be exact. A scalar is
 * therefore stored as a 1-D tensor of three float32 terms {@code [hi, mid, lo]}: {@code hi} is the
 * value rounded to float32 (what a person reading the file sees first) and {@code hi + (mid + lo)},
 * summed in double, is the double exactly. Integers (step counts) use the same form and are exact
 * up to 2^53. On load, a 0-d or one-element tensor is accepted too and read as its float32 value.
 *
 * <p>Loading collects every problem (missing keys, unexpected keys, wrong shapes, invalid values)
 * before throwing one {@link IllegalArgumentException} that lists them, and changes nothing unless
 * the whole dict is valid.
 */
final class StateDicts {
  private StateDicts() {}

  /** The safetensors metadata key naming the class whose state a file holds. */
  static final String KIND = "tapegrad.state";

  /** Saves a state dict as safetensors, recording which class it belongs to. */
  static void save(Path file, Map<String, Tensor> state, String kind) throws IOException {
    Safetensors.save(file, state, Map.of(KIND, kind));
  }

  /**
   * Reads a state dict saved by {@link #save}; a file without the class marker (written by other
   * tools) is accepted and left to the key checks.
   *
   * @throws IllegalArgumentException if the file holds the state of another class
   */
  static Map<String, Tensor> load(Path file, String kind) throws IOException {
    Safetensors checkpoint = Safetensors.load(file);
    String saved = checkpoint.metadata().get(KIND);
    if (saved != null && !saved.equals(kind)) {
      throw new IllegalArgumentException(
          capped(kind + ".load: " + file + " holds " + saved + " state, not " + kind + " state"));
    }
    return checkpoint.tensors();
  }

  /** Encodes a double exactly as {@code [hi, mid, lo]}. */
  static Tensor scalar(double value) {
    if (!Double.isFinite(value)) {
      return Tensor.vector((float) value, 0f, 0f);
    }
    float hi = (float) value;
    double rest = value - hi; // exact (Sterbenz), and likewise below
    float mid = (float) rest;
    float lo = (float) (rest - mid);
    if (Float.isInfinite(hi) || hi + (mid + (double) lo) != value) {
      throw new IllegalStateException(
          "stateDict: the value "
              + value
              + " is outside the range a float32 triple stores exactly");
    }
    return Tensor.vector(hi, mid, lo);
  }

  /** Whether {@code t} has a shape a scalar entry may have: [3], [1] or 0-d. */
  static boolean isScalarShape(Tensor t) {
    return t.hasShape(3) || t.hasShape(1) || t.dim() == 0;
  }

  /** Decodes a scalar entry; call {@link #isScalarShape} first. */
  static double readScalar(Tensor t) {
    float[] v = t.toFloatArray();
    if (v.length == 1) {
      return v[0];
    }
    if (!Float.isFinite(v[0]) || (v[1] == 0 && v[2] == 0)) {
      return v[0]; // also keeps the sign of -0.0
    }
    return v[0] + (v[1] + (double) v[2]);
  }

  /** How many entries of each kind of problem a message lists. */
  static final int LISTED = 20;

  /**
   * {@code message} capped at {@link CheckpointException#MAX_MESSAGE_CHARS}: keys and values in it
   * come from the file.
   */
  static String capped(String message) {
    return CheckpointException.cap(message);
  }

  /** The first {@link #LISTED} of {@code entries}, and how many more there are. */
  static String first(Collection<String> entries) {
    if (entries.size() <= LISTED) {
      return entries.toString();
    }
    return new ArrayList<>(entries).subList(0, LISTED)
        + " ... and "
        + (entries.size() - LISTED)
        + " more";
  }

  /** Accumulates the problems found while checking a dict, and formats them in one message. */
  static final class Problems {
    private final String owner;
    final TreeSet<String> missing = new TreeSet<>();
    final TreeSet<String> unexpected = new TreeSet<>();
    final List<String> shapes = new ArrayList<>();
    final List<String> values = new ArrayList<>();

    Problems(String owner) {
      this.owner = owner;
    }

    /** Reads a required scalar; records a problem and returns NaN when absent or malformed. */
    double scalar(Map<String, Tensor> dict, String key) {
      Tensor t = dict.get(key);
      if (t == null) {
        missing.add(key);
        return Double.NaN;
      }
      if (!isScalarShape(t)) {
        shapes.add(key + ": " + Arrays.toString(t.shape()) + " (a scalar is [3], [1] or [])");
        return Double.NaN;
      }
      return readScalar(t);
    }

    /**
     * Reads a required integer {@code >= min}; records a problem and returns {@code min - 1} when
     * invalid.
     */
    long integer(Map<String, Tensor> dict, String key, long min) {
      Tensor t = dict.get(key);
      double v = scalar(dict, key);
      if (t == null || !isScalarShape(t)) {
        return min - 1;
      }
      if (!(v >= min) || v != Math.rint(v) || v > 0x1p53) {
        values.add(key + " = " + v + " (must be an integer >= " + min + ")");
        return min - 1;
      }
      return (long) v;
    }

    /**
     * Checks a buffer's values: finite, and {@code >= 0} when {@code nonNegative}. Names the first
     * offending element.
     */
    boolean values(String key, Tensor t, boolean nonNegative) {
      float[] v = t.toFloatArray();
      for (int k = 0; k < v.length; k++) {
        if (!Float.isFinite(v[k]) || (nonNegative && v[k] < 0)) {
          values.add(
              key
                  + "["
                  + k
                  + "] = "
                  + v[k]
                  + (Float.isFinite(v[k]) ? " (must be >= 0)" : " (must be finite)"));
          return false;
        }
      }
      return true;
    }

    /** Records a problem unless {@code lr} is a finite number {@code >= 0}. */
    void learningRate(String key, double lr) {
      if (!(lr >= 0 && lr < Double.POSITIVE_INFINITY)) {
        values.add(key + " = " + lr + " is not a learning rate (must be a finite number >= 0)");
      }
    }

    /** Checks that a tensor entry has the expected shape. */
    boolean shape(String key, Tensor t, int[] expected) {
      if (!t.hasShape(expected)) {
        shapes.add(
            key + ": " + Arrays.toString(t.shape()) + " vs expected " + Arrays.toString(expected));
        return false;
      }
      return true;
    }

    void invalid(String key, String message) {
      values.add(key + ": " + message);
    }

    /** The number of problems recorded so far. */
    int count() {
      return missing.size() + unexpected.size() + shapes.size() + values.size();
    }

    /** Throws if any problem was recorded. */
    void throwIfAny() {
      if (missing.isEmpty() && unexpected.isEmpty() && shapes.isEmpty() && values.isEmpty()) {
        return;
      }
      StringBuilder sb = new StringBuilder(owner).append(".loadStateDict: state does not match");
      if (!missing.isEmpty()) {
        sb.append("; missing keys ").append(first(missing));
      }
      if (!unexpected.isEmpty()) {
        sb.append("; unexpected keys ").append(first(unexpected));
      }
      if (!shapes.isEmpty()) {
        sb.append("; shape mismatches ").append(first(shapes));
      }
      if (!values.isEmpty()) {
        sb.append("; invalid values ").append(first(values));
      }
      throw new IllegalArgumentException(capped(sb.toString()));
    }
  }
}
