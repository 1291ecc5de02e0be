package dev.tapegrad.optim;

/**
 * One row of an optimizer's hyper-parameter table: its PyTorch name (also its state-dict key), its
 * Java name (for messages and setters), its type by way of its default (a {@code Double} or a
 * {@code Boolean}), and the range a number must lie in.
 */
record HyperParameter(String key, String javaName, Object defaultValue, Range range) {

  /** The ranges a numeric hyper-parameter can have, with the wording of their messages. */
  enum Range {
    NON_NEGATIVE("must be a finite number >= 0"),
    UNIT_OPEN("must be in [0, 1)"),
    UNIT("must be in [0, 1]");

    final String rule;

    Range(String rule) {
      this.rule = rule;
    }

    boolean contains(double v) {
      return switch (this) {
        case NON_NEGATIVE -> v >= 0 && v < Double.POSITIVE_INFINITY;
        case UNIT_OPEN -> v >= 0 && v < 1;
        case UNIT -> v >= 0 && v <= 1;
      };
    }
  }

  /** A number with its default and range. */
  static HyperParameter number(String key, double defaultValue, Range range) {
    return new HyperParameter(key, javaName(key), defaultValue, range);
  }

  /** A flag with its default. */
  static HyperParameter flag(String key, boolean defaultValue) {
    return new HyperParameter(key, javaName(key), defaultValue, null);
  }

  boolean isFlag() {
    return defaultValue instanceof Boolean;
  }

  /** A copy with another default (AdamW's weight decay). */
  HyperParameter withDefault(Object value) {
    return new HyperParameter(key, javaName, value, range);
  }

  /**
   * Checks a value of this row's type; for example {@code Adam: invalid beta2: 1.0 (must be in [0,
   * 1))}.
   */
  void check(String owner, Object value) {
    if (isFlag()) {
      if (!(value instanceof Boolean)) {
        throw new IllegalArgumentException(
            owner + ": invalid " + javaName + ": " + value + " (a flag is true or false)");
      }
      return;
    }
    if (!(value instanceof Double d) || !range.contains(d)) {
      throw new IllegalArgumentException(
          owner + ": invalid " + javaName + ": " + value + " (" + range.rule + ")");
    }
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
}
