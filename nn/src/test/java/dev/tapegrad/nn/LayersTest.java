package dev.tapegrad.nn;

import static dev.tapegrad.nn.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LayersTest {
  private static Tensor randn(long seed, int... shape) {
    return Tensor.randn(new Random(seed), shape);
  }

  @Test
  void linearComputesXWtPlusBOnAnyLeadingShape() {
    Linear linear = new Linear(3, 2, new Random(1));
    Tensor x = randn(2, 4, 5, 3);
    Tensor y = linear.forward(x);
    assertArrayEquals(new int[] {4, 5, 2}, y.shape());
    float[] w = linear.weight().toFloatArray();
    float[] b = linear.bias().toFloatArray();
    float[] xs = x.toFloatArray();
    float[] expected = new float[4 * 5 * 2];
    for (int r = 0; r < 20; r++) {
      for (int o = 0; o < 2; o++) {
        double s = b[o];
        for (int i = 0; i < 3; i++) {
          s += xs[r * 3 + i] * w[o * 3 + i];
        }
        expected[r * 2 + o] = (float) s;
      }
    }
    assertClose(expected, y.toFloatArray(), 1e-6);
    // 1-D input is a single sample
    assertClose(
        linear.forward(x.reshape(-1, 3).narrow(0, 7, 1)).reshape(2),
        linear.forward(x.reshape(-1, 3).narrow(0, 7, 1).reshape(3)),
        0);
  }

  @Test
  void linearWithoutBiasHasOnlyWeight() {
    Linear linear = new Linear(3, 2, false, new Random(1));
    assertNull(linear.bias());
    assertEquals(List.of("weight"), List.copyOf(linear.namedParameters().keySet()));
    Tensor x = randn(2, 6, 3);
    assertClose(x.matmul(linear.weight().t()), linear.forward(x), 1e-6);
  }

  @Test
  void linearInitialisationIsSeededAndBounded() {
    Linear a = new Linear(16, 8, new Random(42));
    Linear b = new Linear(16, 8, new Random(42));
    assertArrayEquals(a.weight().toFloatArray(), b.weight().toFloatArray());
    assertArrayEquals(a.bias().toFloatArray(), b.bias().toFloatArray());
    assertNotEquals(a.weight().get(0, 0), new Linear(16, 8, new Random(43)).weight().get(0, 0));
    for (float v : a.weight().toFloatArray()) {
      assertTrue(Math.abs(v) <= 0.25f);
    }
    for (float v : a.bias().toFloatArray()) {
      assertTrue(Math.abs(v) <= 0.25f);
    }
  }

  @Test
  void embeddingLooksUpRowsFromIntsAndIndexTensors() {
    Embedding emb = new Embedding(5, 3, new Random(1));
    Tensor rows = emb.forward(4, 0, 4);
    assertArrayEquals(new int[] {3, 3}, rows.shape());
    for (int j = 0; j < 3; j++) {
      assertEquals(emb.weight().get(4, j), rows.get(0, j));
      assertEquals(emb.weight().get(0, j), rows.get(1, j));
    }
    Tensor idx = Tensor.of(new float[] {1, 2, 3, 4, 0, 1}, 2, 3);
    Tensor out = emb.forward(idx);
    assertArrayEquals(new int[] {2, 3, 3}, out.shape());
    assertClose(emb.forward(1, 2, 3, 4, 0, 1).reshape(2, 3, 3), out, 0);
    // gradients accumulate per occurrence
    emb.forward(4, 0, 4).sum().backward();
    assertEquals(2f, emb.weight().grad().get(4, 1));
    assertEquals(1f, emb.weight().grad().get(0, 2));
    assertEquals(0f, emb.weight().grad().get(3, 0));
  }

  @Test
  void embeddingPaddingRowStartsAtZeroAndGetsNoGradient() {
    Embedding emb = new Embedding(4, 2, 1, new Random(1));
    assertEquals(0f, emb.weight().get(1, 0));
    assertEquals(0f, emb.weight().get(1, 1));
    Init.constant(emb.weight(), 3f);
    Tensor out = emb.forward(1, 2, 1);
    assertEquals(3f, out.get(0, 0), "the padding row's value is still returned");
    out.mul(out).sum().backward();
    assertEquals(0f, emb.weight().grad().get(1, 0));
    assertEquals(6f, emb.weight().grad().get(2, 0));
    assertEquals(-1, new Embedding(4, 2, new Random(1)).paddingIdx());
    assertEquals(
        3,
        new Embedding(4, 2, -1, new Random(1)).paddingIdx(),
        "negative padding counts from the end");
  }

  @Test
  void embeddingRejectsOutOfRangeAndNonIntegralIndices() {
    Embedding emb = new Embedding(4, 2, new Random(1));
    IndexOutOfBoundsException e =
        assertThrows(IndexOutOfBoundsException.class, () -> emb.forward(0, 4));
    assertTrue(e.getMessage().contains("Embedding: index 4 at position 1"), e.getMessage());
    assertThrows(IndexOutOfBoundsException.class, () -> emb.forward(-1));
    IllegalArgumentException f =
        assertThrows(IllegalArgumentException.class, () -> emb.forward(Tensor.vector(0.5f)));
    assertTrue(f.getMessage().startsWith("Embedding: "), f.getMessage());
  }

  @Test
  void dropoutIsSeededScaledAndInactiveInEval() {
    Tensor x = Tensor.ones(1000);
    Dropout a = new Dropout(0.25f, new Random(7));
    Dropout b = new Dropout(0.25f, new Random(7));
    float[] ya = a.forward(x).toFloatArray();
    assertArrayEquals(ya, b.forward(x).toFloatArray());
    int zeros = 0;
    for (float v : ya) {
      assertTrue(v == 0f || Math.abs(v - 1f / 0.75f) < 1e-6, "survivors are scaled by 1/(1-p)");
      zeros += v == 0f ? 1 : 0;
    }
    assertTrue(zeros > 200 && zeros < 300, "about p of the elements are dropped: " + zeros);
    a.eval();
    assertSame(x, a.forward(x));
    assertArrayEquals(
        Tensor.zeros(3).toFloatArray(),
        new Dropout(1f, new Random(1)).forward(Tensor.ones(3)).toFloatArray());
  }

  @Test
  void layerNormNormalisesTrailingDimensions() {
    LayerNorm norm = new LayerNorm(2, 3);
    Tensor x = randn(3, 4, 2, 3).mul(5f).add(2f);
    Tensor y = norm.forward(x);
    assertArrayEquals(x.shape(), y.shape());
    Tensor flat = y.reshape(4, 6);
    assertClose(Tensor.zeros(4), flat.mean(1, false), 1e-5);
    assertClose(Tensor.ones(4), flat.var(1, false, false), 1e-3);
    // affine parameters act elementwise over normalizedShape
    Init.constant(norm.weight(), 2f);
    Init.constant(norm.bias(), -1f);
    assertClose(y.mul(2f).sub(1f), norm.forward(x), 1e-5);
    assertEquals(List.of("weight", "bias"), List.copyOf(norm.namedParameters().keySet()));
    assertEquals(0, new LayerNorm(new int[] {3}, 1e-5f, false).numParameters());
  }

  @Test
  void layerNormUsesEpsInsideTheSquareRoot() {
    LayerNorm norm = new LayerNorm(new int[] {2}, 1f, false);
    // x = [-1, 1]: mean 0, biased var 1, so y = x / sqrt(2)
    assertClose(
        new float[] {-0.70710677f, 0.70710677f},
        norm.forward(Tensor.vector(-1, 1)).toFloatArray(),
        1e-6);
  }

  @Test
  void sequentialChainsLayersAndNamesThemByIndex() {
    Random random = new Random(1);
    Linear first = new Linear(3, 4, random);
    Linear second = new Linear(4, 2, random);
    Sequential mlp = new Sequential(first, new Relu()).append(second);
    assertEquals(3, mlp.size());
    assertSame(second, mlp.get(2));
    assertEquals(
        List.of("0.weight", "0.bias", "2.weight", "2.bias"),
        List.copyOf(mlp.namedParameters().keySet()));
    Tensor x = randn(5, 6, 3);
    assertClose(second.forward(first.forward(x).relu()), mlp.forward(x), 0);
    assertSame(x, new Sequential().forward(x));
  }

  @Test
  void activationsApplyTheirFunctions() {
    Tensor x = randn(4, 3, 5);
    assertClose(x.tanh(), new Tanh().forward(x), 0);
    assertClose(x.sigmoid(), new Sigmoid().forward(x), 0);
    assertClose(x.relu(), new Relu().forward(x), 0);
    assertClose(x.gelu(), new Gelu().forward(x), 0);
    assertClose(x.leakyRelu(0.01f), new LeakyRelu().forward(x), 0);
    assertClose(x.leakyRelu(0.2f), new LeakyRelu(0.2f).forward(x), 0);
    assertClose(x.softmax(0), new Softmax(0).forward(x), 0);
    assertClose(x.logSoftmax(-1), new LogSoftmax(-1).forward(x), 0);
    assertClose(Tensor.ones(3), new Softmax(1).forward(x).sum(1, false), 1e-6);
  }

  @Test
  void flattenMergesTheRequestedDimensions() {
    Tensor x = randn(5, 2, 3, 4, 5);
    assertArrayEquals(new int[] {2, 60}, new Flatten().forward(x).shape());
    assertArrayEquals(new int[] {6, 4, 5}, new Flatten(0, 1).forward(x).shape());
    assertArrayEquals(new int[] {2, 3, 20}, new Flatten(-2, -1).forward(x).shape());
    assertArrayEquals(x.toFloatArray(), new Flatten().forward(x).toFloatArray());
  }

  @Test
  void timeDelayIsADilatedValidConvolution() {
    int batch = 2, time = 9, in = 3, out = 4, context = 3, dilation = 2;
    TimeDelay tdnn = new TimeDelay(in, out, context, dilation, new Random(5));
    Tensor x = randn(6, batch, time, in);
    Tensor y = tdnn.forward(x);
    int outTime = time - dilation * (context - 1);
    assertArrayEquals(new int[] {batch, outTime, out}, y.shape());
    float[] w = tdnn.weight().toFloatArray();
    float[] b = tdnn.bias().toFloatArray();
    for (int n = 0; n < batch; n++) {
      for (int t = 0; t < outTime; t++) {
        for (int o = 0; o < out; o++) {
          double s = b[o];
          for (int k = 0; k < context; k++) {
            for (int f = 0; f < in; f++) {
              s += w[o * context * in + k * in + f] * x.get(n, t + k * dilation, f);
            }
          }
          assertEquals(s, y.get(n, t, o), 1e-5, "[" + n + ", " + t + ", " + o + "]");
        }
      }
    }
    // unbatched input
    assertClose(
        y.narrow(0, 1, 1).reshape(outTime, out),
        tdnn.forward(x.narrow(0, 1, 1).reshape(time, in)),
        1e-6);
    assertArrayEquals(new int[] {out, context * in}, tdnn.weight().shape());
  }

  @Test
  void timeDelayWithContextOneIsLinear() {
    TimeDelay tdnn = new TimeDelay(3, 2, 1, new Random(5));
    Tensor x = randn(1, 2, 4, 3);
    assertClose(x.matmul(tdnn.weight().t()).add(tdnn.bias()), tdnn.forward(x), 1e-6);
  }
}
