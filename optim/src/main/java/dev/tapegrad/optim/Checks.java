package dev.tapegrad.optim;

import java.util.Map;

/**
 * Validation of hyper-parameters, shared by optimizers and schedules. Messages name the owner,
 * the parameter in Java spelling and the offending value, e.g. {@code Adam: invalid beta2: 1.0
 * (must be in [0, 1))}.
 */
final class Checks {
  private Checks() {}

  static void nonNegative(String owner, String name, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw invalid(owner, name, value, "must be a finite number >= 0");
    }
  }

  static void positive(String owner, String name, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw invalid(owner, name, value, "must be a finite number > 0");
    }
  }

  /** {@code 0 <= value < 1}. */
  static void unitIntervalOpen(String owner, String name, double value) {
    if (!(value >= 0 && value < 1)) {
      throw invalid(owner, name, value, "must be in [0, 1)");
    }
  }

  /** {@code 0 <= value <= 1}. */
  static void unitInterval(String owner, String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw invalid(owner, name, value, "must be in [0, 1]");
    }
  }

  static void positive(String owner, String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(owner + ": invalid " + name + ": " + value + " (must be > 0)");
    }
  }

  static void nonNegative(String owner, String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(owner + ": invalid " + name + ": " + value + " (must be >= 0)");
    }
  }

  /** A flag read from a state dict must be exactly 0 or 1. */
  static void flag(String owner, String name, double value) {
    if (value != 0 && value != 1) {
      throw invalid(owner, name, value, "a flag must be 0 or 1");
    }
  }

  // Hyper-parameter maps use PyTorch's names (the state-dict keys); messages use Java's.

  static void nonNegative(String owner, Map<String, Double> h, String key) {
    nonNegative(owner, javaName(key), h.get(key));
  }

  static void unitIntervalOpen(String owner, Map<String, Double> h, String key) {
    unitIntervalOpen(owner, javaName(key), h.get(key));
  }

  static void unitInterval(String owner, Map<String, Double> h, String key) {
    unitInterval(owner, javaName(key), h.get(key));
  }

  static void flag(String owner, Map<String, Double> h, String key) {
    flag(owner, javaName(key), h.get(key));
  }

  /** {@code weight_decay} becomes {@code weightDecay}. */
  static String javaName(String key) {
    StringBuilder sb = new StringBuilder(key.length());
    boolean upper = false;
    for (char c : key.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        sb.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return sb.toString();
  }

  private static IllegalArgumentException invalid(String owner, String name, double value, String rule) {
    return new IllegalArgumentException(owner + ": invalid " + name + ": " + value + " (" + rule + ")");
  }
}
