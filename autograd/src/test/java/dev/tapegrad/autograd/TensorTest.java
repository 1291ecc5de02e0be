package dev.tapegrad.autograd;

import static dev.tapegrad.autograd.EngineTest.assertValues;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Factories, accessors, formatting, and the forward values of every op against independent truth.
 */
class TensorTest {
  private static final float NAN = Float.NaN;

  private static int[] sizes(List<Tensor> parts, int dim) {
    return parts.stream().mapToInt(t -> t.size(dim)).toArray();
  }

  // ---------------------------------------------------------------- factories and accessors

  @Test
  void ofCopiesItsDataAndKeepsTheShape() {
    float[] data = {1f, 2f, 3f, 4f, 5f, 6f};
    Tensor t = Tensor.of(data, 2, 3);
    data[0] = 100f;
    assertEquals(1f, t.get(0, 0));
    assertArrayEquals(new int[] {2, 3}, t.shape());
    assertEquals(2, t.dim());
    assertEquals(3, t.size(1));
    assertEquals(3, t.size(-1));
    assertEquals(2, t.size(-2));
    assertEquals(6, t.numel());
    assertEquals(6f, t.get(1, 2));
    assertEquals(4f, t.get(1, 0));
    assertTrue(t.hasShape(2, 3));
    assertFalse(t.hasShape(3, 2));
    assertFalse(t.requiresGrad());
    assertTrue(t.isLeaf());
  }

  @Test
  void accessorsReturnCopies() {
    Tensor t = Tensor.vector(1f, 2f);
    t.shape()[0] = 7;
    t.toFloatArray()[0] = 7f;
    assertTrue(t.hasShape(2));
    assertEquals(1f, t.get(0));
  }

  @Test
  void scalarAndOneElementTensors() {
    Tensor s = Tensor.scalar(2.5f);
    assertEquals(0, s.dim());
    assertEquals(1, s.numel());
    assertEquals(2.5f, s.item());
    assertEquals(2.5f, s.get());
    assertTrue(s.hasShape());
    assertEquals(4f, Tensor.of(new float[] {4f}, 1, 1).item());
    assertEquals(3f, Tensor.of(new float[] {3f}).item());
  }

  @Test
  void filledFactories() {
    assertValues(new float[6], Tensor.zeros(2, 3), 0);
    assertValues(new float[] {1f, 1f}, Tensor.ones(2), 0);
    assertValues(new float[] {7f, 7f, 7f, 7f}, Tensor.full(7f, 2, 2), 0);
    Tensor base = Tensor.full(3f, 2, 1);
    assertTrue(base.zerosLike().hasShape(2, 1));
    assertValues(new float[] {0f, 0f}, base.zerosLike(), 0);
    assertValues(new float[] {1f, 1f}, base.onesLike(), 0);
    assertEquals(0, Tensor.zeros(0, 3).numel());
    assertValues(new float[] {1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f}, Tensor.eye(3), 0);
  }

  @Test
  void arangeLikePyTorch() {
    assertValues(new float[] {0f, 1f, 2f, 3f}, Tensor.arange(4), 0);
    assertValues(new float[] {0f, 0.3f, 0.6f, 0.9f}, Tensor.arange(0f, 1f, 0.3f), 1e-6);
    assertValues(new float[] {5f, 3f, 1f}, Tensor.arange(5f, 0f, -2f), 0);
    assertEquals(0, Tensor.arange(3f, 1f, 1f).numel());
    assertEquals(0, Tensor.arange(0).numel());
  }

  @Test
  void randomFactoriesAreSeededAndInRange() {
    assertArrayEquals(Tensor.rand(5L, 100).toFloatArray(), Tensor.rand(5L, 100).toFloatArray());
    assertFalse(
        Arrays.equals(Tensor.rand(5L, 100).toFloatArray(), Tensor.rand(6L, 100).toFloatArray()));
    assertArrayEquals(
        Tensor.randn(new Random(9), 3, 4).toFloatArray(), Tensor.randn(9L, 3, 4).toFloatArray());
    for (float v : Tensor.rand(1L, 1000).toFloatArray()) {
      assertTrue(v >= 0f && v < 1f);
    }
    for (float v : Tensor.uniform(new Random(2), -3f, -1f, 1000).toFloatArray()) {
      assertTrue(v >= -3f && v < -1f);
    }
    float[] n = Tensor.randn(3L, 20000).toFloatArray();
    double mean = 0;
    double sq = 0;
    for (float v : n) {
      mean += v;
      sq += v * v;
    }
    mean /= n.length;
    assertEquals(0, mean, 0.05);
    assertEquals(1, sq / n.length - mean * mean, 0.05);
    assertTrue(Tensor.rand(1L, 2, 3).hasShape(2, 3));
  }

  // ---------------------------------------------------------------- reshape and friends

  @Test
  void reshapeSharesStorageAndInfersMinusOne() {
    Tensor x = Tensor.arange(6);
    Tensor r = x.reshape(2, -1);
    assertTrue(r.hasShape(2, 3));
    assertSame(x.data, r.data);
    assertSame(x.data, x.view(3, 2).data);
    assertSame(x.data, r.flatten().data);
    assertEquals(5f, r.get(1, 2));
    assertTrue(x.reshape(-1, 1, 2).hasShape(3, 1, 2));
    assertSame(x, x.reshape(6), "a no-op reshape without grad returns the tensor itself");
    assertTrue(Tensor.scalar(1f).reshape(1, 1).hasShape(1, 1));
    assertTrue(Tensor.vector(1f).reshape().hasShape());
  }

  @Test
  void detachSharesValuesAndCopyDoesNot() {
    Tensor x = Tensor.vector(1f, 2f).requiresGrad(true);
    assertSame(x.data, x.detach().data);
    Tensor c = x.copy();
    assertNotEquals(System.identityHashCode(x.data), System.identityHashCode(c.data));
    assertEquals("copy", c.opName());
    assertValues(new float[] {1f, 2f}, c, 0);
  }

  // ---------------------------------------------------------------- toString

  @Test
  void toStringIsNestedAndReadable() {
    assertEquals(
        "tensor([[0.0000, 1.0000, 2.0000],\n        [3.0000, 4.0000, 5.0000]], shape=[2, 3])",
        Tensor.arange(6).reshape(2, 3).toString());
    assertEquals("tensor(1.5000, shape=[])", Tensor.scalar(1.5f).toString());
    assertEquals("tensor([], shape=[0])", Tensor.zeros(0).toString());
    assertEquals(
        "tensor([-1.0000, 1.2346e+05, 1.0000e-05, NaN, -Infinity], shape=[5])",
        Tensor.vector(-1f, 123456f, 1e-5f, NAN, Float.NEGATIVE_INFINITY).toString());
    Tensor p = Tensor.vector(1f).requiresGrad(true);
    assertTrue(p.toString().endsWith("requiresGrad=true)"), p.toString());
    assertTrue(p.exp().toString().endsWith("op=exp)"), p.exp().toString());
  }

  @Test
  void toStringElidesLargeTensors() {
    assertEquals(
        "tensor([0.0000, 1.0000, 2.0000, ..., 7.0000, 8.0000, 9.0000], shape=[10])",
        Tensor.arange(10).toString());
    String big = Tensor.arange(1_000_000).reshape(1000, 1000).toString();
    assertTrue(big.length() < 1000, "a million elements print in a few lines: " + big.length());
    assertTrue(big.contains("..."));
    assertTrue(
        big.contains("999999.0") || big.contains("9.9999e+05") || big.contains("1.0000e+06"), big);
    assertTrue(
        big.startsWith("tensor([[0.0000, 1.0000, 2.0000, ..., 997.0000, 998.0000, 999.0000],"),
        big);
    assertTrue(big.endsWith("shape=[1000, 1000])"));
    assertEquals(7, big.split("\n").length, "three rows, an ellipsis row, three rows");
  }

  // ---------------------------------------------------------------- elementwise

  private static void checkUnary(
      String name, UnaryOperator<Tensor> op, DoubleUnaryOperator truth, float[] xs, double tol) {
    float[] got = op.apply(Tensor.vector(xs)).toFloatArray();
    for (int i = 0; i < xs.length; i++) {
      double want = truth.applyAsDouble(xs[i]);
      if (Double.isNaN(want)) {
        assertTrue(Float.isNaN(got[i]), name + "(" + xs[i] + ") should be NaN, got " + got[i]);
      } else {
        assertEquals(want, got[i], tol * Math.max(1, Math.abs(want)), name + "(" + xs[i] + ")");
      }
    }
  }

  @Test
  void unaryFunctionsMatchDoubleMath() {
    float[] xs = {-30f, -3f, -1f, -0.5f, -1e-3f, 0f, 1e-3f, 0.5f, 1f, 2.5f, 30f, NAN};
    double tol = 2e-7;
    checkUnary("neg", Tensor::neg, x -> -x, xs, 0);
    checkUnary("exp", Tensor::exp, Math::exp, new float[] {-30f, -1f, 0f, 0.5f, 10f, NAN}, tol);
    checkUnary(
        "log", Tensor::log, Math::log, new float[] {-1f, 0f, 1e-6f, 0.5f, 1f, 1000f, NAN}, tol);
    checkUnary("sqrt", Tensor::sqrt, Math::sqrt, new float[] {-1f, 0f, 0.25f, 2f, 1e6f}, tol);
    checkUnary("abs", Tensor::abs, Math::abs, xs, 0);
    checkUnary("tanh", Tensor::tanh, Math::tanh, xs, tol);
    checkUnary("sigmoid", Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x)), xs, tol);
    checkUnary("relu", Tensor::relu, x -> Double.isNaN(x) ? x : Math.max(0, x), xs, 0);
    checkUnary("softplus", Tensor::softplus, x -> x > 20 ? x : Math.log1p(Math.exp(x)), xs, tol);
    checkUnary("sin", Tensor::sin, Math::sin, xs, tol);
    checkUnary("cos", Tensor::cos, Math::cos, xs, tol);
    checkUnary("sign", Tensor::sign, Math::signum, xs, 0);
    checkUnary("leakyRelu", t -> t.leakyRelu(0.1f), x -> x > 0 ? x : 0.1 * x, xs, tol);
    checkUnary("square", Tensor::square, x -> x * x, xs, tol);
    checkUnary("pow", t -> t.pow(3f), x -> x * x * x, xs, tol);
    checkUnary("pow", t -> t.pow(0.5f), Math::sqrt, new float[] {0f, 2f, 9f, -1f}, tol);
    checkUnary("pow", t -> t.pow(0f), x -> 1, new float[] {0f, 2f, -3f}, 0);
    checkUnary("add", t -> t.add(2f), x -> x + 2, xs, tol);
    checkUnary("sub", t -> t.sub(2f), x -> x - 2, xs, tol);
    checkUnary("rsub", t -> t.rsub(2f), x -> 2 - x, xs, tol);
    checkUnary("mul", t -> t.mul(-3f), x -> -3 * x, xs, tol);
    checkUnary("div", t -> t.div(4f), x -> x / 4, xs, tol);
    checkUnary("rdiv", t -> t.rdiv(2f), x -> 2 / x, new float[] {-4f, 0.5f, 3f}, tol);
    checkUnary(
        "clamp",
        t -> t.clamp(-0.5f, 1f),
        x -> Double.isNaN(x) ? x : Math.min(1, Math.max(-0.5, x)),
        xs,
        0);
  }

  @Test
  void erfAndGeluAgainstKnownValues() {
    // PyTorch 1.13 float64 values
    float[] ex = {-2f, -0.5f, 0f, 0.3f, 1f, 2.5f};
    double[] erf = {
      -0.9953222650189527,
      -0.5204998778130465,
      0.0,
      0.3286267594591274,
      0.8427007929497149,
      0.999593047982555
    };
    float[] gx = {-3f, -1f, -0.5f, 0f, 0.5f, 1f, 3f};
    double[] gelu = {
      -0.00404969409489031,
      -0.15865525393145702,
      -0.15426876936299344,
      0.0,
      0.34573123063700656,
      0.841344746068543,
      2.99595030590511
    };
    float[] e = Tensor.vector(ex).erf().toFloatArray();
    for (int i = 0; i < ex.length; i++) {
      assertEquals(erf[i], e[i], 1e-7, "erf(" + ex[i] + ")");
    }
    float[] g = Tensor.vector(gx).gelu().toFloatArray();
    for (int i = 0; i < gx.length; i++) {
      assertEquals(gelu[i], g[i], 1e-7, "gelu(" + gx[i] + ")");
    }
  }

  /** Naive broadcasting: the element of {@code shape} at output coordinates {@code out}. */
  private static float broadcastRead(Tensor t, int[] out) {
    int[] shape = t.shape();
    int lead = out.length - shape.length;
    int flat = 0;
    for (int d = 0; d < shape.length; d++) {
      int i = shape[d] == 1 ? 0 : out[lead + d];
      flat = flat * shape[d] + i;
    }
    return t.toFloatArray()[flat];
  }

  private static void checkBinary(
      String name,
      BinaryOperator<Tensor> op,
      DoubleBinaryOperator truth,
      Tensor a,
      Tensor b,
      int... outShape) {
    Tensor y = op.apply(a, b);
    assertArrayEquals(outShape, y.shape(), name + " shape");
    int n = y.numel();
    int[] coord = new int[outShape.length];
    float[] got = y.toFloatArray();
    for (int flat = 0; flat < n; flat++) {
      double want = truth.applyAsDouble(broadcastRead(a, coord), broadcastRead(b, coord));
      if (Double.isNaN(want)) {
        assertTrue(Float.isNaN(got[flat]), name + " at " + flat);
      } else {
        assertEquals(
            want,
            got[flat],
            1e-6 * Math.max(1, Math.abs(want)),
            name + " at " + Arrays.toString(coord));
      }
      for (int d = outShape.length - 1; d >= 0; d--) {
        if (++coord[d] < outShape[d]) {
          break;
        }
        coord[d] = 0;
      }
    }
  }

  @Test
  void binaryOpsBroadcastLikeNumPy() {
    Tensor a = Tensor.uniform(new Random(1), 0.5f, 2f, 2, 1, 3);
    Tensor b = Tensor.uniform(new Random(2), 0.5f, 2f, 4, 1);
    Tensor c = Tensor.uniform(new Random(3), 0.5f, 2f, 3);
    Tensor s = Tensor.scalar(1.5f);
    Tensor col = Tensor.uniform(new Random(4), 0.5f, 2f, 3, 1);
    Tensor row = Tensor.uniform(new Random(5), 0.5f, 2f, 1, 4);
    Object[][] pairs = {
      {a, b, new int[] {2, 4, 3}},
      {b, a, new int[] {2, 4, 3}},
      {a, c, new int[] {2, 1, 3}},
      {c, s, new int[] {3}},
      {s, a, new int[] {2, 1, 3}},
      {col, row, new int[] {3, 4}},
      {row, col, new int[] {3, 4}},
      {a, a, new int[] {2, 1, 3}},
    };
    for (Object[] p : pairs) {
      Tensor x = (Tensor) p[0];
      Tensor y = (Tensor) p[1];
      int[] shape = (int[]) p[2];
      checkBinary("add", Tensor::add, Double::sum, x, y, shape);
      checkBinary("sub", Tensor::sub, (u, v) -> u - v, x, y, shape);
      checkBinary("mul", Tensor::mul, (u, v) -> u * v, x, y, shape);
      checkBinary("div", Tensor::div, (u, v) -> u / v, x, y, shape);
      checkBinary("pow", Tensor::pow, Math::pow, x, y, shape);
      checkBinary("maximum", Tensor::maximum, Math::max, x, y, shape);
      checkBinary("minimum", Tensor::minimum, Math::min, x, y, shape);
      checkBinary("gt", Tensor::gt, (u, v) -> u > v ? 1 : 0, x, y, shape);
      checkBinary("lt", Tensor::lt, (u, v) -> u < v ? 1 : 0, x, y, shape);
      checkBinary("ge", Tensor::ge, (u, v) -> u >= v ? 1 : 0, x, y, shape);
      checkBinary("le", Tensor::le, (u, v) -> u <= v ? 1 : 0, x, y, shape);
      checkBinary("eq", Tensor::eq, (u, v) -> u == v ? 1 : 0, x, y, shape);
    }
  }

  @Test
  void divisionByAFloatIsTrueDivision() {
    float[] x = Tensor.randn(12L, 1000).toFloatArray();
    for (float d : new float[] {3f, 7f, 10f, 0.1f}) {
      float[] got = Tensor.vector(x).div(d).toFloatArray();
      for (int i = 0; i < x.length; i++) {
        assertEquals(x[i] / d, got[i], 0, "correctly rounded, like PyTorch's x / d");
      }
      assertArrayEquals(Tensor.vector(x).div(Tensor.scalar(d)).toFloatArray(), got);
    }
    assertValues(new float[] {Float.POSITIVE_INFINITY, NAN}, Tensor.vector(1f, 0f).div(0f), 0);
  }

  @Test
  void comparisonsAtTies() {
    Tensor a = Tensor.vector(1f, 2f, 3f);
    Tensor b = Tensor.vector(2f, 2f, 2f);
    assertValues(new float[] {0f, 0f, 1f}, a.gt(b), 0);
    assertValues(new float[] {1f, 0f, 0f}, a.lt(b), 0);
    assertValues(new float[] {0f, 1f, 1f}, a.ge(b), 0);
    assertValues(new float[] {1f, 1f, 0f}, a.le(b), 0);
    assertValues(new float[] {0f, 1f, 0f}, a.eq(b), 0);
    assertValues(new float[] {0f, 0f, 1f}, a.gt(2f), 0);
    assertValues(new float[] {1f, 0f, 0f}, a.lt(2f), 0);
    assertFalse(a.requiresGrad(true).gt(b).requiresGrad(), "comparisons are constants");
  }

  @Test
  void maximumAndMinimumPropagateNaN() {
    Tensor a = Tensor.vector(NAN, 1f, 5f);
    Tensor b = Tensor.vector(0f, NAN, 2f);
    assertValues(new float[] {NAN, NAN, 5f}, a.maximum(b), 0);
    assertValues(new float[] {NAN, NAN, 2f}, a.minimum(b), 0);
  }

  @Test
  void whereBroadcastsAllThree() {
    Tensor mask = Tensor.of(new float[] {1f, 0f}, 2, 1);
    Tensor a = Tensor.vector(1f, 2f, 3f);
    Tensor b = Tensor.scalar(-1f);
    Tensor y = Tensor.where(mask, a, b);
    assertTrue(y.hasShape(2, 3));
    assertValues(new float[] {1f, 2f, 3f, -1f, -1f, -1f}, y, 0);
    // any non-zero (including NaN) selects a, as a cast to bool would
    assertValues(new float[] {1f, -1f, 3f}, Tensor.where(Tensor.vector(-2f, 0f, NAN), a, b), 0);
  }

  // ---------------------------------------------------------------- reductions

  @Test
  void sumAndMean() {
    Tensor x = Tensor.arange(24).reshape(2, 3, 4);
    assertEquals(276f, x.sum().item());
    assertEquals(11.5f, x.mean().item());
    Tensor s1 = x.sum(1, false);
    assertTrue(s1.hasShape(2, 4));
    assertEquals(0f + 4 + 8, s1.get(0, 0));
    assertEquals(15f + 19 + 23, s1.get(1, 3));
    assertTrue(x.sum(1, true).hasShape(2, 1, 4));
    assertTrue(x.sum(-1, false).hasShape(2, 3));
    assertEquals(0f + 1 + 2 + 3, x.sum(-1, false).get(0, 0));
    assertEquals(4f, x.mean(1, false).get(0, 0));
    assertTrue(x.mean(0, true).hasShape(1, 3, 4));
    assertEquals(3f, Tensor.scalar(3f).sum(0, false).item());
  }

  @Test
  void meanOfNothingIsNaN() {
    assertTrue(Float.isNaN(Tensor.zeros(0).mean().item()));
    assertValues(new float[] {NAN, NAN}, Tensor.zeros(2, 0).mean(1, false), 0);
    assertEquals(0f, Tensor.zeros(0).sum().item());
  }

  @Test
  void maxMinAndTheirArgs() {
    Tensor x = Tensor.of(new float[] {3f, 1f, 4f, 1f, 5f, 9f, 2f, 6f, 5f, 3f, 5f, 9f}, 3, 4);
    assertEquals(9f, x.max().item());
    assertEquals(1f, x.min().item());
    assertValues(new float[] {4f, 9f, 9f}, x.max(1, false), 0);
    assertValues(new float[] {1f, 2f, 3f}, x.min(1, false), 0);
    assertValues(new float[] {5f, 9f, 5f, 9f}, x.max(0, false), 0);
    assertTrue(x.max(0, true).hasShape(1, 4));
    // first occurrence at ties, like PyTorch
    assertValues(new float[] {2f, 1f, 3f}, x.argmax(1, false), 0);
    assertValues(new float[] {1f, 2f, 1f}, x.argmin(1, false), 0);
    assertValues(new float[] {1f, 1f, 2f, 2f}, x.argmax(0, false), 0);
    assertTrue(x.argmax(1, true).hasShape(3, 1));
    assertFalse(x.requiresGrad(true).argmax(0, false).requiresGrad());
  }

  @Test
  void maxAndMinPropagateNaN() {
    Tensor x = Tensor.of(new float[] {1f, NAN, 3f, 4f, 0f, -1f}, 2, 3);
    assertTrue(Float.isNaN(x.max().item()));
    assertTrue(Float.isNaN(x.min().item()));
    assertValues(new float[] {NAN, 4f}, x.max(1, false), 0);
    assertValues(new float[] {NAN, -1f}, x.min(1, false), 0);
    assertValues(new float[] {1f, 0f}, x.argmax(1, false), 0);
    assertValues(new float[] {1f, 2f}, x.argmin(1, false), 0);
    Tensor inf = Tensor.vector(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY);
    assertEquals(Float.NEGATIVE_INFINITY, inf.max(0, false).item());
    assertEquals(0f, inf.argmax(0, false).item());
  }

  @Test
  void varianceUnbiasedAndBiased() {
    Tensor x = Tensor.of(new float[] {1f, 2f, 3f, 4f, 2f, 2f, 2f, 10f}, 2, 4);
    // row 0: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5
    // row 1: mean 4, squared deviations 4 + 4 + 4 + 36 = 48
    assertValues(new float[] {5f / 3, 16f}, x.var(1, true, false), 1e-6);
    assertValues(new float[] {1.25f, 12f}, x.var(1, false, false), 1e-6);
    assertTrue(x.var(1, true, true).hasShape(2, 1));
    // all 8: mean 3.25, sum of squared deviations 57.5
    assertEquals(57.5f / 7, x.var().item(), 1e-5);
    assertTrue(Float.isNaN(Tensor.vector(3f).var().item()), "one sample has no unbiased variance");
    assertEquals(0f, Tensor.vector(3f).var(0, false, false).item());
  }

  @Test
  void logSumExpIsStable() {
    assertEquals(1000 + Math.log(2), Tensor.vector(1000f, 1000f).logSumExp().item(), 1e-4);
    assertEquals(-1000 + Math.log(2), Tensor.vector(-1000f, -1000f).logSumExp().item(), 1e-4);
    Tensor x = Tensor.of(new float[] {1f, 2f, 3f, 1000f, 0f, -1000f}, 2, 3);
    Tensor l = x.logSumExp(1, false);
    assertEquals(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), l.get(0), 1e-6);
    assertEquals(1000f, l.get(1), 1e-4);
    assertTrue(x.logSumExp(0, true).hasShape(1, 3));
    // log(e^1 + e^1000) = 1000 + log1p(e^-999)
    assertEquals(1000f, x.logSumExp(0, false).get(0), 0);
    float ninf = Float.NEGATIVE_INFINITY;
    assertEquals(ninf, Tensor.vector(ninf, ninf).logSumExp().item());
    assertEquals(
        Float.POSITIVE_INFINITY, Tensor.vector(1f, Float.POSITIVE_INFINITY).logSumExp().item());
    assertEquals(2f, Tensor.scalar(2f).logSumExp().item(), 1e-6);
  }

  @Test
  void softmaxAndLogSoftmaxAreStable() {
    Tensor x = Tensor.of(new float[] {1000f, 0f, -1000f, -1000f, 1f, 2f}, 3, 2);
    assertValues(
        new float[] {
          1f, 0f, 0.5f, 0.5f, (float) (1 / (1 + Math.E)), (float) (Math.E / (1 + Math.E))
        },
        x.softmax(1),
        1e-6);
    Tensor ls = x.logSoftmax(1);
    assertEquals(0f, ls.get(0, 0), 1e-6);
    assertEquals(-1000f, ls.get(0, 1), 1e-3);
    assertEquals(-Math.log(2), ls.get(1, 0), 1e-6);
    // over dim 0, columns sum to one
    Tensor s0 = Tensor.randn(4L, 3, 5).mul(10f).softmax(0);
    Tensor colSums = s0.sum(0, false);
    assertValues(new float[] {1f, 1f, 1f, 1f, 1f}, colSums, 1e-6);
    // a row of -inf has no distribution: NaN, as in PyTorch
    float ninf = Float.NEGATIVE_INFINITY;
    assertValues(new float[] {NAN, NAN}, Tensor.vector(ninf, ninf).softmax(0), 0);
    assertValues(new float[] {0f, 1f}, Tensor.vector(ninf, 3f).softmax(-1), 0);
    assertEquals(1f, Tensor.scalar(5f).softmax(0).item());
  }

  // ---------------------------------------------------------------- shape ops

  @Test
  void transposeAndPermuteMoveValues() {
    Tensor x = Tensor.arange(24).reshape(2, 3, 4);
    Tensor p = x.permute(2, 0, 1);
    assertTrue(p.hasShape(4, 2, 3));
    Tensor t = x.transpose(0, 2);
    assertTrue(t.hasShape(4, 3, 2));
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 4; k++) {
          assertEquals(x.get(i, j, k), p.get(k, i, j));
          assertEquals(x.get(i, j, k), t.get(k, j, i));
        }
      }
    }
    Tensor m = Tensor.arange(6).reshape(2, 3);
    assertValues(new float[] {0f, 3f, 1f, 4f, 2f, 5f}, m.t(), 0);
    assertValues(m.t().toFloatArray(), m.transpose(-1, -2), 0);
    assertTrue(x.permute(-1, 0, 1).hasShape(4, 2, 3));
    assertTrue(Tensor.vector(1f, 2f).t().hasShape(2));
  }

  @Test
  void squeezeAndUnsqueeze() {
    Tensor x = Tensor.zeros(1, 3, 1, 2);
    assertTrue(x.squeeze().hasShape(3, 2));
    assertTrue(x.squeeze(0).hasShape(3, 1, 2));
    assertTrue(x.squeeze(-2).hasShape(1, 3, 2));
    assertTrue(x.squeeze(1).hasShape(1, 3, 1, 2), "a dimension that is not 1 stays");
    assertTrue(x.unsqueeze(4).hasShape(1, 3, 1, 2, 1));
    assertTrue(x.unsqueeze(-1).hasShape(1, 3, 1, 2, 1));
    assertTrue(x.unsqueeze(-5).hasShape(1, 1, 3, 1, 2));
    assertTrue(Tensor.scalar(1f).unsqueeze(0).hasShape(1));
    assertTrue(Tensor.ones(1, 1).squeeze().hasShape());
  }

  @Test
  void expandRepeatsAndAcceptsMinusOne() {
    Tensor x = Tensor.of(new float[] {1f, 2f, 3f}, 3, 1);
    Tensor e = x.expand(2, -1, 4);
    assertTrue(e.hasShape(2, 3, 4));
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 4; k++) {
          assertEquals(j + 1f, e.get(i, j, k));
        }
      }
    }
    assertValues(new float[] {5f, 5f, 5f}, Tensor.scalar(5f).expand(3), 0);
    assertSame(x, x.expand(3, 1));
  }

  @Test
  void sumToShapeUndoesBroadcasting() {
    Tensor g = Tensor.arange(24).reshape(2, 3, 4);
    assertValues(new float[] {6f * 2 * 3 * 4 / 2 * 23 / 6}, g.sumToShape(), 0);
    Tensor r = g.sumToShape(3, 1);
    assertTrue(r.hasShape(3, 1));
    // row j: sum over i, k of 12 i + 4 j + k = 2 * 4 * 4 j + 4 * 12 + 2 * 6
    for (int j = 0; j < 3; j++) {
      assertEquals(32f * j + 48 + 12, r.get(j, 0));
    }
    assertTrue(g.sumToShape(1, 1, 4).hasShape(1, 1, 4));
    assertEquals(0f + 4 + 8 + 12 + 16 + 20, g.sumToShape(4).get(0));
    // empty dimensions sum to zeros of the right shape
    assertTrue(Tensor.zeros(2, 0).sumToShape(0).hasShape(0));
    assertValues(new float[3], Tensor.zeros(0, 3).sumToShape(1, 3), 0);
  }

  @Test
  void narrowAndSliceLikePython() {
    Tensor x = Tensor.arange(10);
    assertValues(new float[] {2f, 3f, 4f}, x.narrow(0, 2, 3), 0);
    assertEquals(0, x.narrow(0, 10, 0).numel());
    // x[-7:-1:3] = [3, 6]
    assertValues(new float[] {3f, 6f}, x.slice(0, -7, -1, 3), 0);
    // x[-100:100:4] = [0, 4, 8]
    assertValues(new float[] {0f, 4f, 8f}, x.slice(0, -100, 100, 4), 0);
    assertEquals(0, x.slice(0, 7, 2, 1).numel());
    assertValues(new float[] {8f, 9f}, x.slice(0, -2, Integer.MAX_VALUE, 1), 0);
    Tensor m = Tensor.arange(12).reshape(3, 4);
    Tensor s = m.slice(1, 1, 4, 2);
    assertTrue(s.hasShape(3, 2));
    assertValues(new float[] {1f, 3f, 5f, 7f, 9f, 11f}, s, 0);
    assertValues(new float[] {4f, 5f, 6f, 7f}, m.narrow(0, 1, 1), 0);
    assertValues(new float[] {2f, 3f, 6f, 7f, 10f, 11f}, m.narrow(-1, 2, 2), 0);
  }

  @Test
  void catAndStack() {
    Tensor a = Tensor.arange(6).reshape(2, 3);
    Tensor b = Tensor.arange(6f, 8f, 1f).reshape(2, 1);
    Tensor c = Tensor.cat(List.of(a, b), 1);
    assertTrue(c.hasShape(2, 4));
    assertValues(new float[] {0f, 1f, 2f, 6f, 3f, 4f, 5f, 7f}, c, 0);
    Tensor r = Tensor.cat(List.of(a, a.mul(-1f)), 0);
    assertTrue(r.hasShape(4, 3));
    assertEquals(-5f, r.get(3, 2));
    assertTrue(Tensor.cat(List.of(a, Tensor.zeros(0, 3)), 0).hasShape(2, 3));
    Tensor s =
        Tensor.stack(
            List.of(Tensor.vector(1f, 2f), Tensor.vector(3f, 4f), Tensor.vector(5f, 6f)), 1);
    assertTrue(s.hasShape(2, 3));
    assertValues(new float[] {1f, 3f, 5f, 2f, 4f, 6f}, s, 0);
    assertTrue(Tensor.stack(List.of(a, a), -1).hasShape(2, 3, 2));
    assertValues(
        new float[] {1f, 2f}, Tensor.stack(List.of(Tensor.scalar(1f), Tensor.scalar(2f)), 0), 0);
  }

  @Test
  void splitAndChunkLikePyTorch() {
    Tensor x = Tensor.arange(10);
    assertArrayEquals(new int[] {4, 4, 2}, sizes(x.split(4, 0), 0));
    assertArrayEquals(new int[] {10}, sizes(x.split(20, 0), 0));
    List<Tensor> parts = x.split(new int[] {3, 0, 7}, 0);
    assertArrayEquals(new int[] {3, 0, 7}, sizes(parts, 0));
    assertValues(new float[] {3f, 4f, 5f, 6f, 7f, 8f, 9f}, parts.get(2), 0);
    assertArrayEquals(new int[] {2, 2, 1}, sizes(Tensor.arange(5).chunk(3, 0), 0));
    assertArrayEquals(new int[] {2, 2, 2}, sizes(Tensor.arange(6).chunk(4, 0), 0));
    assertArrayEquals(new int[] {3, 3, 3, 1}, sizes(x.chunk(4, 0), 0));
    assertArrayEquals(new int[] {1, 1, 1, 1, 1}, sizes(Tensor.arange(5).chunk(6, 0), 0));
    List<Tensor> cols = Tensor.arange(12).reshape(3, 4).chunk(2, -1);
    assertValues(new float[] {2f, 3f, 6f, 7f, 10f, 11f}, cols.get(1), 0);
  }

  // ---------------------------------------------------------------- indexing

  @Test
  void indexSelectGatherAndOneHot() {
    Tensor m = Tensor.arange(12).reshape(3, 4);
    assertValues(
        new float[] {8f, 9f, 10f, 11f, 0f, 1f, 2f, 3f, 8f, 9f, 10f, 11f},
        m.indexSelect(0, 2, 0, 2),
        0);
    assertValues(new float[] {3f, 7f, 11f}, m.indexSelect(1, 3), 0);
    assertTrue(m.indexSelect(0).hasShape(0, 4));
    Tensor idx = Tensor.of(new float[] {3f, 0f, 1f, 1f, 0f, 2f}, 3, 2);
    assertValues(new float[] {3f, 0f, 5f, 5f, 8f, 10f}, m.gather(1, idx), 0);
    Tensor idx0 = Tensor.of(new float[] {2f, 0f, 1f}, 1, 3);
    assertValues(new float[] {8f, 1f, 6f}, m.gather(0, idx0), 0);
    Tensor oh = Tensor.oneHot(new int[] {2, 0}, 3);
    assertTrue(oh.hasShape(2, 3));
    assertValues(new float[] {0f, 0f, 1f, 1f, 0f, 0f}, oh, 0);
  }

  // ---------------------------------------------------------------- linear algebra

  private static float[] naiveMatmul(float[] a, float[] b, int m, int k, int n) {
    float[] c = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += (double) a[i * k + p] * b[p * n + j];
        }
        c[i * n + j] = (float) s;
      }
    }
    return c;
  }

  @Test
  void matmulInEveryRank() {
    Tensor a = Tensor.randn(1L, 3, 4);
    Tensor b = Tensor.randn(2L, 4, 5);
    Tensor v = Tensor.randn(3L, 4);
    Tensor w = Tensor.randn(4L, 3);
    assertValues(naiveMatmul(a.toFloatArray(), b.toFloatArray(), 3, 4, 5), a.matmul(b), 1e-5);
    Tensor av = a.matmul(v);
    assertTrue(av.hasShape(3));
    assertValues(naiveMatmul(a.toFloatArray(), v.toFloatArray(), 3, 4, 1), av, 1e-5);
    Tensor wa = w.matmul(a);
    assertTrue(wa.hasShape(4));
    assertValues(naiveMatmul(w.toFloatArray(), a.toFloatArray(), 1, 3, 4), wa, 1e-5);
    double dot = 0;
    for (int i = 0; i < 4; i++) {
      dot += (double) v.toFloatArray()[i] * v.toFloatArray()[i];
    }
    assertEquals(dot, v.matmul(v).item(), 1e-5);
    assertEquals(dot, v.dot(v).item(), 1e-5);
    assertTrue(v.matmul(v).hasShape());

    // batched with broadcasting: [2, 1, 3, 4] x [5, 4, 2] -> [2, 5, 3, 2]
    Tensor ba = Tensor.randn(5L, 2, 1, 3, 4);
    Tensor bb = Tensor.randn(6L, 5, 4, 2);
    Tensor bc = ba.matmul(bb);
    assertTrue(bc.hasShape(2, 5, 3, 2));
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 5; j++) {
        float[] want =
            naiveMatmul(
                ba.narrow(0, i, 1).reshape(3, 4).toFloatArray(),
                bb.narrow(0, j, 1).reshape(4, 2).toFloatArray(),
                3,
                4,
                2);
        assertValues(want, bc.narrow(0, i, 1).narrow(1, j, 1).reshape(-1), 1e-5);
      }
    }
    // [2, 3, 4] x [4, 5], [3, 4] x [2, 4, 5], [2, 3, 4] x [4], [4] x [2, 4, 5]
    Tensor b3 = Tensor.randn(7L, 2, 3, 4);
    assertTrue(b3.matmul(b).hasShape(2, 3, 5));
    assertValues(
        naiveMatmul(b3.narrow(0, 1, 1).reshape(3, 4).toFloatArray(), b.toFloatArray(), 3, 4, 5),
        b3.matmul(b).narrow(0, 1, 1).reshape(-1),
        1e-5);
    Tensor b5 = Tensor.randn(8L, 2, 4, 5);
    assertTrue(a.matmul(b5).hasShape(2, 3, 5));
    assertValues(
        naiveMatmul(a.toFloatArray(), b5.narrow(0, 1, 1).reshape(4, 5).toFloatArray(), 3, 4, 5),
        a.matmul(b5).narrow(0, 1, 1).reshape(-1),
        1e-5);
    assertTrue(b3.matmul(v).hasShape(2, 3));
    assertTrue(v.matmul(b5).hasShape(2, 5));
    assertValues(
        naiveMatmul(v.toFloatArray(), b5.narrow(0, 1, 1).reshape(4, 5).toFloatArray(), 1, 4, 5),
        v.matmul(b5).narrow(0, 1, 1).reshape(-1),
        1e-5);
  }

  // ---------------------------------------------------------------- neural functions

  @Test
  void crossEntropyAndNllLossValues() {
    Tensor logits = Tensor.of(new float[] {1f, 2f, 3f, 1f, 1f, 1f}, 2, 3);
    int[] targets = {2, 0};
    double l0 = -3 + Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    double l1 = Math.log(3);
    assertEquals((l0 + l1) / 2, Functional.crossEntropy(logits, targets).item(), 1e-6);
    assertEquals(
        l0 + l1, Functional.crossEntropy(logits, targets, Reduction.SUM, -100, 0f).item(), 1e-6);
    assertValues(
        new float[] {(float) l0, (float) l1},
        Functional.crossEntropy(logits, targets, Reduction.NONE, -100, 0f),
        1e-6);
    // an ignored target is left out of the mean
    assertEquals(l0, Functional.crossEntropy(logits, new int[] {2, -100}).item(), 1e-6);
    assertTrue(Float.isNaN(Functional.crossEntropy(logits, new int[] {-100, -100}).item()));
    // label smoothing 0.3: 0.7 * nll + 0.3 * mean over classes of -log p
    double smooth0 = (3 * Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 6) / 3;
    double want = (0.7 * l0 + 0.3 * smooth0 + 0.7 * l1 + 0.3 * l1) / 2;
    assertEquals(
        want, Functional.crossEntropy(logits, targets, Reduction.MEAN, -100, 0.3f).item(), 1e-6);
    // 1-D logits take one target
    assertEquals(
        l0, Functional.crossEntropy(Tensor.vector(1f, 2f, 3f), new int[] {2}).item(), 1e-6);
    assertEquals((l0 + l1) / 2, Functional.nllLoss(logits.logSoftmax(1), targets).item(), 1e-6);
  }

  @Test
  void mseAndBinaryCrossEntropyValues() {
    Tensor x = Tensor.vector(1f, -2f, 0.5f);
    Tensor t = Tensor.vector(0f, 1f, 0.5f);
    assertEquals((1 + 9 + 0) / 3.0, Functional.mseLoss(x, t).item(), 1e-6);
    assertEquals(10f, Functional.mseLoss(x, t, Reduction.SUM).item(), 1e-6);
    assertValues(new float[] {1f, 9f, 0f}, Functional.mseLoss(x, t, Reduction.NONE), 1e-6);
    double bce = 0;
    float[] xs = x.toFloatArray();
    float[] ts = t.toFloatArray();
    for (int i = 0; i < 3; i++) {
      double p = 1 / (1 + Math.exp(-xs[i]));
      bce += -(ts[i] * Math.log(p) + (1 - ts[i]) * Math.log(1 - p));
    }
    assertEquals(bce / 3, Functional.binaryCrossEntropyWithLogits(x, t).item(), 1e-6);
    // stable for large logits
    Tensor big =
        Functional.binaryCrossEntropyWithLogits(
            Tensor.vector(100f, -100f), Tensor.vector(0f, 1f), Reduction.NONE);
    assertValues(new float[] {100f, 100f}, big, 1e-6);
  }

  @Test
  void dropoutIsSeededScaledAndOffOutsideTraining() {
    Tensor x = Tensor.ones(10000);
    Tensor d1 = Functional.dropout(x, 0.3f, true, new Random(11));
    Tensor d2 = Functional.dropout(x, 0.3f, true, new Random(11));
    assertArrayEquals(d1.toFloatArray(), d2.toFloatArray());
    int zeros = 0;
    for (float v : d1.toFloatArray()) {
      if (v == 0f) {
        zeros++;
      } else {
        assertEquals(1f / 0.7f, v, 1e-6);
      }
    }
    assertEquals(3000, zeros, 200);
    assertSame(x, Functional.dropout(x, 0.3f, false, new Random(1)));
    assertSame(x, Functional.dropout(x, 0f, true, new Random(1)));
    assertValues(new float[4], Functional.dropout(Tensor.ones(4), 1f, true, new Random(1)), 0);
  }

  // ---------------------------------------------------------------- in place

  @Test
  void inPlaceOps() {
    Tensor p = Tensor.vector(1f, 2f, 3f);
    Tensor a = Tensor.vector(2f, 4f, 6f);
    Tensor b = Tensor.vector(1f, 2f, 4f);
    assertSame(p, p.addInPlace(a, 0.5f));
    assertValues(new float[] {2f, 4f, 6f}, p, 0);
    p.mulInPlace(0.5f);
    assertValues(new float[] {1f, 2f, 3f}, p, 0);
    p.mulInPlace(b);
    assertValues(new float[] {1f, 4f, 12f}, p, 0);
    p.addcmulInPlace(a, b, 2f);
    assertValues(new float[] {5f, 20f, 60f}, p, 0);
    p.addcdivInPlace(a, b, -1f);
    assertValues(new float[] {3f, 18f, 58.5f}, p, 0);
    p.clampInPlace(4f, 20f);
    assertValues(new float[] {4f, 18f, 20f}, p, 0);
    p.copyFrom(b);
    assertValues(new float[] {1f, 2f, 4f}, p, 0);
    p.fillInPlace(-1f);
    assertValues(new float[] {-1f, -1f, -1f}, p, 0);
    assertValues(new float[] {1f, 2f, 4f}, b, 0);
  }
}
