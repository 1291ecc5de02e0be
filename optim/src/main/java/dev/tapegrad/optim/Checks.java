package dev.tapegrad.optim;

/**
 * Validation of hyper-parameters, shared by optimizers and schedules. Messages name the owner, the
 * parameter in Java spelling and the offending value, e.g. {@code Adam: invalid beta2: 1.0 (must be
 * in [0, 1))}.
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

  static void positive(String owner, String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(
          owner + ": invalid " + name + ": " + value + " (must be > 0)");
    }
  }

  static void nonNegative(String owner, String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(
          owner + ": invalid " + name + ": " + value + " (must be >= 0)");
    }
  }

  private static IllegalArgumentException invalid(
      String owner, String name, double value, String rule) {
    return new IllegalArgumentException(
        owner + ": invalid " + name + ": " + value + " (" + rule + ")");
  }
}
