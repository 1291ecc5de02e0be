package dev.tapegrad.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Helpers for the ordered, immutable hyper-parameter maps behind each optimizer's options. */
final class HyperParameters {
  private HyperParameters() {}

  /** An ordered map from alternating names and numbers. */
  static Map<String, Double> of(Object... namesAndValues) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      m.put((String) namesAndValues[i], ((Number) namesAndValues[i + 1]).doubleValue());
    }
    return Collections.unmodifiableMap(m);
  }

  /** A copy of {@code values} with one entry replaced. */
  static Map<String, Double> with(Map<String, Double> values, String key, double value) {
    Map<String, Double> m = new LinkedHashMap<>(values);
    m.put(key, value);
    return Collections.unmodifiableMap(m);
  }
}
