package dev.tapegrad.autograd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API transcendentals give exactly the bits of the scalar {@link Transcendentals}: in
 * the vector loop and the scalar tail, through both kernel providers, on awkward lengths and
 * offsets, on the edge values and on random inputs of every magnitude. Bits are compared raw,
 * except that any NaN equals any NaN.
 */
class PanamaTranscendentalsTest {
  private static final UnaryOp[] OPS = {
    UnaryOp.EXP,
    UnaryOp.LOG,
    UnaryOp.TANH,
    UnaryOp.SIGMOID,
    UnaryOp.SOFTPLUS,
    UnaryOp.SIN,
    UnaryOp.COS,
    UnaryOp.NORMAL_PDF,
    UnaryOp.ERF,
    UnaryOp.NORMAL_CDF,
    UnaryOp.GELU
  };
  private static final int[] LENGTHS = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 207, 4098};

  private final Kernels reference = new JavaKernels();
  private final Kernels panama = KernelProvider.create("panama");

  @Test
  void providersAgreeBitForBitOnAwkwardLengths() {
    Random random = new Random(7);
    for (UnaryOp op : OPS) {
      for (int n : LENGTHS) {
        for (int offset : new int[] {0, 3}) {
          float[] x = inputs(random, offset + n);
          float[] expected = new float[n + 2];
          float[] actual = new float[n + 2];
          reference.unary(op, x, offset, expected, 1, n);
          panama.unary(op, x, offset, actual, 1, n);
          for (int i = 0; i < n + 2; i++) {
            assertSameBits(
                op + " n=" + n + " offset=" + offset + " i=" + i, expected[i], actual[i]);
          }
        }
      }
    }
  }

  @Test
  void everyLaneEqualsTheScalarFunctionOnEdgesAndRandomValues() {
    Random random = new Random(11);
    float[] edges = TranscendentalsTest.edges();
    int n = 1 << 16;
    float[] x = new float[n];
    System.arraycopy(edges, 0, x, 0, edges.length);
    float[] rest = inputs(random, n - edges.length);
    System.arraycopy(rest, 0, x, edges.length, rest.length);
    float[] out = new float[n];
    check("exp", x, out, PanamaTranscendentals.exp(x, 0, out, 0, n), Transcendentals::exp);
    check("log", x, out, PanamaTranscendentals.log(x, 0, out, 0, n), Transcendentals::log);
    check("tanh", x, out, PanamaTranscendentals.tanh(x, 0, out, 0, n), Transcendentals::tanh);
    check(
        "sigmoid",
        x,
        out,
        PanamaTranscendentals.sigmoid(x, 0, out, 0, n),
        Transcendentals::sigmoid);
    check(
        "softplus",
        x,
        out,
        PanamaTranscendentals.softplus(x, 0, out, 0, n),
        Transcendentals::softplus);
    check(
        "normalPdf",
        x,
        out,
        PanamaTranscendentals.normalPdf(x, 0, out, 0, n),
        Transcendentals::normalPdf);
    check("sin", x, out, PanamaTranscendentals.sin(x, 0, out, 0, n), Transcendentals::sin);
    check("cos", x, out, PanamaTranscendentals.cos(x, 0, out, 0, n), Transcendentals::cos);
  }

  private static void check(
      String name, float[] x, float[] out, int done, TranscendentalsTest.FloatFn scalar) {
    assertEquals(x.length, done, name + " processes whole vectors");
    for (int i = 0; i < x.length; i++) {
      assertSameBits(name + "(" + x[i] + ")", scalar.apply(x[i]), out[i]);
    }
  }

  /** Values of every magnitude and sign, with specials sprinkled in. */
  static float[] inputs(Random random, int n) {
    float[] edges = TranscendentalsTest.edges();
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      switch (random.nextInt(4)) {
        case 0:
          x[i] = edges[random.nextInt(edges.length)];
          break;
        case 1:
          x[i] = (float) (random.nextGaussian() * 3);
          break;
        case 2:
          x[i] = (float) ((random.nextDouble() * 2 - 1) * 120);
          break;
        default:
          x[i] = Float.intBitsToFloat(random.nextInt());
          break;
      }
    }
    return x;
  }

  private static void assertSameBits(String what, float expected, float actual) {
    if (Float.isNaN(expected) && Float.isNaN(actual)) {
      return;
    }
    assertEquals(
        Float.floatToRawIntBits(expected),
        Float.floatToRawIntBits(actual),
        what + ": expected " + expected + " but was " + actual);
  }
}
