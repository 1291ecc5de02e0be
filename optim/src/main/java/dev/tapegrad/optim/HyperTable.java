package dev.tapegrad.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An optimizer's hyper-parameters, declared once: the table gives its options their defaults,
 * checks every group's values (at construction and when a state dict is loaded) with messages that
 * name the value, and fixes the state-dict keys and their order. A flag is a {@code Boolean}
 * everywhere but on disk, where state dicts hold float32 tensors: there it is 1 or 0, and nothing
 * else loads.
 */
final class HyperTable {
  /** A rule across rows, checked after each row's own (Sgd's nesterov needs momentum). */
  interface Constraint {
    void check(String owner, Map<String, Object> values);
  }

  /** The buffers a parameter has once updated, as they depend on the group's values. */
  interface Buffers {
    List<ParamState.Buffer> of(Map<String, Object> values);
  }

  private final List<HyperParameter> rows;
  private final Constraint constraint;
  private final Buffers buffers;

  private HyperTable(List<HyperParameter> rows, Constraint constraint, Buffers buffers) {
    this.rows = List.copyOf(rows);
    this.constraint = constraint;
    this.buffers = buffers;
  }

  /** A table of {@code rows} whose optimizer keeps the buffers {@code buffers} gives. */
  static HyperTable of(Buffers buffers, HyperParameter... rows) {
    return new HyperTable(List.of(rows), null, buffers);
  }

  /** This table with a rule across rows. */
  HyperTable constrained(Constraint rule) {
    return new HyperTable(rows, rule, buffers);
  }

  /** The buffers of a parameter in a group with these (valid) values, in state-dict order. */
  List<ParamState.Buffer> buffers(Map<String, Object> values) {
    return buffers.of(values);
  }

  /** This table with another default for one row. */
  HyperTable withDefault(String key, Object value) {
    List<HyperParameter> changed = new ArrayList<>();
    for (HyperParameter row : rows) {
      changed.add(row.key().equals(key) ? row.withDefault(value) : row);
    }
    return new HyperTable(changed, constraint, buffers);
  }

  List<HyperParameter> rows() {
    return rows;
  }

  /** The default values, by key in table order (read-only). */
  Map<String, Object> defaults() {
    Map<String, Object> values = new LinkedHashMap<>();
    for (HyperParameter row : rows) {
      values.put(row.key(), row.defaultValue());
    }
    return Collections.unmodifiableMap(values);
  }

  /** The row of {@code key}; a missing one is a bug of the optimizer, not of its user. */
  HyperParameter row(String key) {
    for (HyperParameter row : rows) {
      if (row.key().equals(key)) {
        return row;
      }
    }
    throw new IllegalArgumentException(
        "no hyper-parameter '" + key + "'; the table has " + defaults().keySet());
  }

  /** Checks a complete set of values: each against its row, then the rule across rows. */
  void validate(String owner, Map<String, Object> values) {
    for (HyperParameter row : rows) {
      row.check(owner, values.get(row.key()));
    }
    if (constraint != null) {
      constraint.check(owner, values);
    }
  }

  /** A value as a state dict stores it: flags as 1 or 0. */
  static double encode(Object value) {
    return value instanceof Boolean b ? (b ? 1 : 0) : (Double) value;
  }

  /**
   * A stored value as {@code row}'s type: a flag must be exactly 1 or 0.
   *
   * @throws IllegalArgumentException for a flag that is neither
   */
  static Object decode(HyperParameter row, double stored) {
    if (!row.isFlag()) {
      return stored;
    }
    if (stored != 0 && stored != 1) {
      throw new IllegalArgumentException(
          row.javaName() + " = " + stored + " (a flag is stored as 1 or 0)");
    }
    return stored == 1;
  }
}
