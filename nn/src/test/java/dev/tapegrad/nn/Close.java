package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tapegrad.autograd.Tensor;

/** Value comparisons for tests. */
final class Close {
  private Close() {}

  static void assertClose(float[] expected, float[] actual, double tolerance) {
    assertEquals(expected.length, actual.length, "length");
    for (int i = 0; i < expected.length; i++) {
      double scale = Math.max(1, Math.abs(expected[i]));
      if (!(Math.abs(expected[i] - actual[i]) <= tolerance * scale)) {
        throw new AssertionError(
            "element "
                + i
                + ": expected "
                + expected[i]
                + " but was "
                + actual[i]
                + " (tolerance "
                + tolerance
                + ")");
      }
    }
  }

  static void assertClose(Tensor expected, Tensor actual, double tolerance) {
    assertArrayEquals(expected.shape(), actual.shape(), "shape");
    assertClose(expected.toFloatArray(), actual.toFloatArray(), tolerance);
  }
}
