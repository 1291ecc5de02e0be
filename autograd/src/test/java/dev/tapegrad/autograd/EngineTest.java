package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Semantics of the tape: what backward reaches, accumulates, frees and refuses. */
class EngineTest {

  @AfterEach
  void restoreGlobalState() {
    Autograd.detectAnomaly(false);
    assertTrue(Autograd.isGradEnabled(), "a test left grad mode off");
  }

  static void assertValues(float[] expected, Tensor actual, double tolerance) {
    float[] got = actual.toFloatArray();
    assertEquals(expected.length, got.length, "number of elements");
    for (int i = 0; i < got.length; i++) {
      if (Float.isNaN(expected[i])) {
        assertTrue(Float.isNaN(got[i]), "element " + i + " should be NaN, got " + got[i]);
      } else if (Float.isInfinite(expected[i])) {
        assertEquals(expected[i], got[i], "element " + i);
      } else {
        assertEquals(
            expected[i], got[i], tolerance * Math.max(1, Math.abs(expected[i])), "element " + i);
      }
    }
  }

  private static Tensor leaf(float... values) {
    return Tensor.vector(values).requiresGrad(true);
  }

  // ---------------------------------------------------------------- graph shape

  @Test
  void fanOutSumsContributionsOfEveryUse() {
    Tensor x = leaf(1f, -2f, 3f);
    // y = x * x + x: x feeds mul twice and add once
    x.mul(x).add(x).sum().backward();
    assertValues(new float[] {3f, -3f, 7f}, x.grad(), 1e-6);

    // a shared intermediate: t = tanh(x), y = t * t + t
    Tensor z = leaf(0.3f, -0.7f);
    Tensor t = z.tanh();
    t.mul(t).add(t).sum().backward();
    float[] want = new float[2];
    float[] zs = {0.3f, -0.7f};
    for (int i = 0; i < 2; i++) {
      double th = Math.tanh(zs[i]);
      want[i] = (float) ((2 * th + 1) * (1 - th * th));
    }
    assertValues(want, z.grad(), 1e-6);
  }

  @Test
  void inputNotUsedByTheOutputKeepsNullGrad() {
    Tensor x = leaf(1f, 2f);
    Tensor unused = leaf(5f);
    Tensor other = unused.mul(2f); // recorded, but not part of the loss
    x.mul(3f).sum().backward();
    assertNull(unused.grad());
    assertNotNull(other.opName());
    assertValues(new float[] {3f, 3f}, x.grad(), 0);
  }

  @Test
  void leafThatDoesNotRequireGradGetsNoGrad() {
    Tensor x = leaf(1f, 2f);
    Tensor c = Tensor.vector(4f, 5f);
    x.mul(c).sum().backward();
    assertNull(c.grad());
    assertFalse(c.requiresGrad());
    assertValues(new float[] {4f, 5f}, x.grad(), 0);
  }

  @Test
  void opsOnTensorsNotRequiringGradRecordNothing() {
    Tensor y = Tensor.vector(1f, 2f).mul(Tensor.vector(3f, 4f)).exp();
    assertTrue(y.isLeaf());
    assertFalse(y.requiresGrad());
    assertNull(y.opName());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
    assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
  }

  @Test
  void recordedTensorsKnowTheirOp() {
    Tensor x = leaf(1f, 2f);
    assertTrue(x.isLeaf());
    assertNull(x.opName());
    Tensor y = x.matmul(Tensor.vector(1f, 1f));
    assertFalse(y.isLeaf());
    assertTrue(y.requiresGrad());
    assertEquals("dot", y.opName());
    assertEquals("sigmoid", x.sigmoid().opName());
  }

  // ---------------------------------------------------------------- walking the graph twice

  @Test
  void retainGraphAllowsASecondWalkThatAccumulates() {
    Tensor x = leaf(1f, -2f);
    Tensor y = x.square().sum();
    y.backward(null, true);
    assertValues(new float[] {2f, -4f}, x.grad(), 0);
    y.backward(null, true);
    assertValues(new float[] {4f, -8f}, x.grad(), 0);
    y.backward(); // the last walk may free it
    assertValues(new float[] {6f, -12f}, x.grad(), 0);
  }

  @Test
  void secondBackwardWithoutRetainGraphThrows() {
    Tensor x = leaf(1f, -2f);
    Tensor y = x.exp().sum();
    y.backward();
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().contains("'sum'"), e.getMessage());
    assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
    // the failed walk did not add anything
    assertValues(new float[] {(float) Math.E, (float) Math.exp(-2)}, x.grad(), 1e-6);
  }

  @Test
  void freedSubgraphIsDetectedFromANewOutput() {
    Tensor x = leaf(1f, 2f);
    Tensor h = x.tanh();
    h.sum().backward();
    // a new op on top of h: the graph below h is gone
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> h.mul(2f).sum().backward());
    assertTrue(e.getMessage().contains("'tanh'"), e.getMessage());
  }

  @Test
  void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
    Tensor x = leaf(1f, 2f);
    x.mul(3f).sum().backward();
    x.mul(Tensor.vector(1f, 10f)).sum().backward();
    assertValues(new float[] {4f, 13f}, x.grad(), 0);
    x.zeroGrad();
    assertNull(x.grad());
    x.mul(2f).sum().backward();
    assertValues(new float[] {2f, 2f}, x.grad(), 0);
  }

  @Test
  void accumulatedGradIsNotAliasedWithGradOutput() {
    Tensor x = leaf(1f, 2f);
    Tensor g = Tensor.vector(5f, 6f);
    x.mul(1f).backward(g);
    x.mul(1f).backward(g);
    assertValues(new float[] {10f, 12f}, x.grad(), 0);
    assertValues(new float[] {5f, 6f}, g, 0);
    assertFalse(x.grad().requiresGrad());
  }

  @Test
  void backwardFromALeafGivesItsGradOutput() {
    Tensor x = Tensor.scalar(3f).requiresGrad(true);
    x.backward();
    assertEquals(1f, x.grad().item());
  }

  @Test
  void setGradReplacesAndClears() {
    Tensor x = leaf(1f, 2f);
    x.setGrad(Tensor.vector(7f, 8f));
    x.mul(2f).sum().backward();
    assertValues(new float[] {9f, 10f}, x.grad(), 0);
    x.setGrad(null);
    assertNull(x.grad());
    assertThrows(IllegalArgumentException.class, () -> x.setGrad(Tensor.zeros(3)));
  }

  // ---------------------------------------------------------------- detach, requiresGrad, grad
  // mode

  @Test
  void detachCutsTheGraph() {
    Tensor x = leaf(1f, 2f);
    Tensor d = x.mul(2f).detach();
    assertTrue(d.isLeaf());
    assertFalse(d.requiresGrad());
    assertValues(new float[] {2f, 4f}, d, 0);
    // y = x * stopGradient(2x): dy/dx = 2x, not 4x
    d.mul(x).sum().backward();
    assertValues(new float[] {2f, 4f}, x.grad(), 0);
  }

  @Test
  void truncatedBackpropagationThroughTime() {
    Tensor w = Tensor.scalar(0.5f).requiresGrad(true);
    Tensor h = Tensor.scalar(1f);
    for (int step = 0; step < 3; step++) {
      h = h.mul(w);
    }
    h = h.detach();
    Tensor out = h.mul(w); // only the last step sees w
    out.backward();
    assertEquals(0.125f, w.grad().item(), 0);
  }

  @Test
  void requiresGradOnANonLeafThrows() {
    Tensor y = leaf(1f).mul(2f);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
    assertTrue(e.getMessage().contains("'mul'"), e.getMessage());
    assertTrue(e.getMessage().contains("detach"), e.getMessage());
    Tensor leaf = Tensor.vector(1f);
    assertSame(leaf, leaf.requiresGrad(true));
    leaf.requiresGrad(false);
    assertFalse(leaf.requiresGrad());
  }

  @Test
  void noGradRecordsNothingAndRestores() {
    Tensor x = leaf(1f, 2f);
    assertTrue(Autograd.isGradEnabled());
    Tensor y;
    try (var scope = Autograd.noGrad()) {
      assertFalse(Autograd.isGradEnabled());
      y = x.mul(2f).exp().sum();
      assertFalse(y.requiresGrad());
      assertTrue(y.isLeaf());
    }
    assertTrue(Autograd.isGradEnabled());
    assertThrows(IllegalStateException.class, y::backward);
    assertTrue(x.mul(2f).requiresGrad());
  }

  @Test
  void gradModeScopesNest() {
    Tensor x = leaf(1f);
    try (var outer = Autograd.noGrad()) {
      try (var inner = Autograd.noGrad()) {
        assertFalse(Autograd.isGradEnabled());
      }
      assertFalse(Autograd.isGradEnabled(), "closing an inner noGrad must not re-enable grad");
      try (var enable = Autograd.enableGrad()) {
        assertTrue(Autograd.isGradEnabled());
        Tensor y = x.mul(3f);
        assertTrue(y.requiresGrad());
        y.sum().backward();
        try (var again = Autograd.noGrad()) {
          assertFalse(x.mul(2f).requiresGrad());
        }
        assertTrue(Autograd.isGradEnabled());
      }
      assertFalse(Autograd.isGradEnabled());
      outer.close();
      outer.close(); // closing twice is harmless
      assertTrue(Autograd.isGradEnabled());
    }
    assertTrue(Autograd.isGradEnabled());
    assertEquals(3f, x.grad().item());
  }

  @Test
  void gradModeIsPerThread() throws Exception {
    try (var scope = Autograd.noGrad()) {
      boolean[] other = new boolean[1];
      Thread t = new Thread(() -> other[0] = Autograd.isGradEnabled());
      t.start();
      t.join();
      assertTrue(other[0]);
      assertFalse(Autograd.isGradEnabled());
    }
  }

  // ---------------------------------------------------------------- gradOutput checks

  @Test
  void nonScalarBackwardNeedsGradOutput() {
    Tensor y = Tensor.ones(2, 3).requiresGrad(true).mul(2f);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
    assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    assertTrue(e.getMessage().contains("gradOutput"), e.getMessage());
  }

  @Test
  void gradOutputShapeMustMatch() {
    Tensor x = Tensor.ones(2, 3).requiresGrad(true);
    Tensor y = x.mul(2f);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(3, 2)));
    assertTrue(
        e.getMessage().contains("[3, 2]") && e.getMessage().contains("[2, 3]"), e.getMessage());
    // a non-scalar backward with the right gradOutput works, and a one-element tensor needs none
    y.backward(Tensor.full(0.5f, 2, 3));
    assertValues(new float[] {1f, 1f, 1f, 1f, 1f, 1f}, x.grad(), 0);
    Tensor one = Tensor.ones(1, 1).requiresGrad(true);
    one.mul(4f).backward();
    assertEquals(4f, one.grad().item());
  }

  // ---------------------------------------------------------------- Autograd.grad

  @Test
  void gradWithoutCreateGraphDoesNotTouchGrad() {
    Tensor x = leaf(1f, 2f, 3f);
    Tensor w = leaf(0.5f, -1f, 2f);
    Tensor y = x.mul(w).sum();
    List<Tensor> grads = Autograd.grad(y, List.of(x, w), false);
    assertValues(new float[] {0.5f, -1f, 2f}, grads.get(0), 0);
    assertValues(new float[] {1f, 2f, 3f}, grads.get(1), 0);
    assertFalse(grads.get(0).requiresGrad());
    assertNull(x.grad());
    assertNull(w.grad());
  }

  @Test
  void gradWithCreateGraphReturnsDifferentiableGradients() {
    Tensor x = leaf(1f, 2f);
    Tensor y = x.pow(3f).sum();
    Tensor g = Autograd.grad(y, List.of(x), true).get(0);
    assertTrue(g.requiresGrad());
    assertValues(new float[] {3f, 12f}, g, 1e-6);
    assertNull(x.grad());
    // the graph was kept: an ordinary backward still works afterwards
    y.backward();
    assertValues(new float[] {3f, 12f}, x.grad(), 1e-6);
  }

  @Test
  void gradWithRespectToAnIntermediate() {
    // a hidden state h = tanh(W x); d loss / d h without going further down
    Tensor w = Tensor.of(new float[] {0.1f, -0.2f, 0.3f, 0.4f}, 2, 2).requiresGrad(true);
    Tensor x = Tensor.vector(1f, 2f);
    Tensor h = w.matmul(x).tanh();
    Tensor loss = h.mul(Tensor.vector(2f, -3f)).sum().add(h.square().sum());
    List<Tensor> grads = Autograd.grad(loss, List.of(h, w), false);
    float[] hv = h.toFloatArray();
    assertValues(new float[] {2f + 2 * hv[0], -3f + 2 * hv[1]}, grads.get(0), 1e-6);
    assertEquals(2, grads.get(1).dim());
    assertNull(w.grad());
  }

  @Test
  void gradOfUnreachableInputIsZeros() {
    Tensor x = leaf(1f, 2f);
    Tensor u = Tensor.ones(2, 3).requiresGrad(true);
    List<Tensor> grads = Autograd.grad(x.sum(), List.of(x, u), false);
    assertTrue(grads.get(1).hasShape(2, 3));
    assertValues(new float[6], grads.get(1), 0);
  }

  @Test
  void gradWithSeveralOutputsAndGradOutputs() {
    Tensor x = leaf(1f, 2f);
    Tensor a = x.mul(2f);
    Tensor b = x.square();
    List<Tensor> g =
        Autograd.grad(
            List.of(a, b),
            List.of(x),
            List.of(Tensor.vector(1f, 1f), Tensor.vector(3f, 1f)),
            false);
    // 2 * 1 + 2x * gb
    assertValues(new float[] {2f + 6f, 2f + 4f}, g.get(0), 0);
  }

  @Test
  void gradRejectsBadArguments() {
    Tensor x = leaf(1f, 2f);
    Tensor c = Tensor.vector(1f, 2f);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Autograd.grad(x.sum(), List.of(c), false));
    assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Autograd.grad(x.sum(), List.of(), false));
    Tensor y;
    try (var s = Autograd.noGrad()) {
      y = x.sum();
    }
    e = assertThrows(IllegalArgumentException.class, () -> Autograd.grad(y, List.of(x), false));
    assertTrue(e.getMessage().contains("noGrad"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Autograd.grad(List.of(x.mul(2f)), List.of(x), null, false));
    assertTrue(e.getMessage().contains("[2]"), e.getMessage());
  }

  @Test
  void gradWithoutRetainFreesTheGraph() {
    Tensor x = leaf(1f, 2f);
    Tensor y = x.exp().sum();
    Autograd.grad(y, List.of(x), false);
    assertThrows(IllegalStateException.class, () -> Autograd.grad(y, List.of(x), false));
    Tensor z = x.exp().sum();
    Autograd.grad(List.of(z), List.of(x), null, false, true);
    Autograd.grad(List.of(z), List.of(x), null, false, true);
  }

  // ---------------------------------------------------------------- higher order

  @Test
  void secondAndThirdDerivativeOfCube() {
    float[] xs = {0.5f, -1.5f, 2f};
    for (boolean viaPow : new boolean[] {true, false}) {
      Tensor x = leaf(xs);
      Tensor y = viaPow ? x.pow(3f) : x.mul(x).mul(x);
      Tensor g = Autograd.grad(y.sum(), List.of(x), true).get(0);
      Tensor gg = Autograd.grad(g.sum(), List.of(x), true).get(0);
      Tensor ggg = Autograd.grad(gg.sum(), List.of(x), false).get(0);
      for (int i = 0; i < xs.length; i++) {
        assertEquals(3 * xs[i] * xs[i], g.toFloatArray()[i], 1e-5);
        assertEquals(6 * xs[i], gg.toFloatArray()[i], 1e-5);
        assertEquals(6f, ggg.toFloatArray()[i], 1e-5);
      }
    }
  }

  @Test
  void secondDerivativesOfUnaryFunctions() {
    float[] xs = {-0.8f, 0.3f, 1.2f};
    Tensor x = leaf(xs);
    Tensor tanhG = Autograd.grad(x.tanh().sum(), List.of(x), true).get(0);
    Tensor tanhGG = Autograd.grad(tanhG.sum(), List.of(x), false).get(0);
    Tensor sigG = Autograd.grad(x.sigmoid().sum(), List.of(x), true).get(0);
    Tensor sigGG = Autograd.grad(sigG.sum(), List.of(x), false).get(0);
    Tensor logG = Autograd.grad(x.exp().log().sum(), List.of(x), true).get(0);
    Tensor logGG = Autograd.grad(logG.sum(), List.of(x), false).get(0);
    for (int i = 0; i < xs.length; i++) {
      double t = Math.tanh(xs[i]);
      assertEquals(-2 * t * (1 - t * t), tanhGG.toFloatArray()[i], 1e-5);
      double s = 1 / (1 + Math.exp(-xs[i]));
      assertEquals(s * (1 - s) * (1 - 2 * s), sigGG.toFloatArray()[i], 1e-5);
      assertEquals(1, logG.toFloatArray()[i], 1e-5);
      assertEquals(0, logGG.toFloatArray()[i], 1e-5);
    }
  }

  /** f(x) = sum(sin(x) * x^2) + (Ax)·(Ax) + sum(exp(x) * roll-free coupling x0 x1 ...). */
  private static Tensor hessianTestFunction(Tensor x, Tensor a) {
    Tensor ax = a.matmul(x);
    Tensor coupling = x.narrow(0, 0, 3).mul(x.narrow(0, 1, 3)).tanh().sum();
    return x.sin().mul(x.square()).sum().add(ax.dot(ax)).add(coupling);
  }

  @Test
  void hessianVectorProductMatchesFiniteDifferencesOfTheGradient() {
    Tensor a = Tensor.randn(7L, 3, 4);
    float[] x0 = {0.3f, -0.6f, 1.1f, 0.4f};
    float[] v = {0.5f, -1f, 0.25f, 2f};
    Tensor x = Tensor.vector(x0).requiresGrad(true);
    Tensor g = Autograd.grad(hessianTestFunction(x, a), List.of(x), true).get(0);
    Tensor hv = Autograd.grad(g.mul(Tensor.vector(v)).sum(), List.of(x), false).get(0);

    double eps = 1e-2;
    float[] plus = new float[4];
    float[] minus = new float[4];
    for (int i = 0; i < 4; i++) {
      plus[i] = (float) (x0[i] + eps * v[i]);
      minus[i] = (float) (x0[i] - eps * v[i]);
    }
    float[] gp = gradientAt(plus, a);
    float[] gm = gradientAt(minus, a);
    for (int i = 0; i < 4; i++) {
      // the actual step taken in float, per coordinate, cancels in (gp - gm) / (2 eps) to O(eps^2)
      double fd = (gp[i] - gm[i]) / (2 * eps);
      assertEquals(fd, hv.toFloatArray()[i], 2e-3 * Math.max(1, Math.abs(fd)), "Hv[" + i + "]");
    }
  }

  private static float[] gradientAt(float[] point, Tensor a) {
    Tensor x = Tensor.vector(point).requiresGrad(true);
    hessianTestFunction(x, a).backward();
    return x.grad().toFloatArray();
  }

  @Test
  void gradientPenaltyTrainsThroughTheGradient() {
    // d/dw of |d(w·x)^2/dx|^2 = d/dw |2 (w·x) w|^2 = d/dw 4 (w·x)^2 |w|^2
    Tensor w = leaf(0.5f, -1f);
    Tensor x = leaf(2f, 1f);
    Tensor y = w.dot(x).square();
    Tensor gx = Autograd.grad(y, List.of(x), true).get(0);
    gx.square().sum().backward();
    double s = 0.5 * 2 - 1 * 1; // w·x = 0
    double ww = 0.25 + 1;
    float[] wv = {0.5f, -1f};
    float[] xv = {2f, 1f};
    for (int i = 0; i < 2; i++) {
      double want = 8 * s * xv[i] * ww + 8 * s * s * wv[i];
      assertEquals(want, w.grad().toFloatArray()[i], 1e-5);
    }
  }

  // ---------------------------------------------------------------- determinism, broadcasting

  private static float[] heavyFanOutGrad() {
    Tensor x = Tensor.randn(3L, 64).requiresGrad(true);
    Tensor acc = Tensor.zeros(64);
    for (int i = 0; i < 40; i++) {
      acc = acc.add(x.mul((float) Math.sin(i)).tanh().mul(x.cos()));
    }
    acc.logSumExp().add(acc.var()).backward();
    return x.grad().toFloatArray();
  }

  @Test
  void sameGraphGivesBitIdenticalGradients() {
    assertArrayEquals(heavyFanOutGrad(), heavyFanOutGrad());
  }

  @Test
  void broadcastGradientsAreSummedBackToEachInputShape() {
    Tensor a = Tensor.arange(6).reshape(2, 3).detach().requiresGrad(true);
    Tensor b = Tensor.vector(1f, 2f, 3f).requiresGrad(true);
    Tensor c = Tensor.of(new float[] {10f, 20f}, 2, 1).requiresGrad(true);
    Tensor s = Tensor.scalar(2f).requiresGrad(true);
    Tensor y = a.mul(b).add(c).mul(s); // [2, 3]
    y.backward(Tensor.ones(2, 3));
    assertTrue(b.grad().hasShape(3));
    assertTrue(c.grad().hasShape(2, 1));
    assertTrue(s.grad().hasShape());
    assertValues(new float[] {2f, 4f, 6f, 2f, 4f, 6f}, a.grad(), 0);
    assertValues(new float[] {2f * (0 + 3), 2f * (1 + 4), 2f * (2 + 5)}, b.grad(), 0);
    assertValues(new float[] {6f, 6f}, c.grad(), 0);
    // ds = sum(a * b + c) = (0 + 2 + 6 + 3 + 8 + 15) + 3 * 30
    assertEquals(34f + 90f, s.grad().item(), 0);

    // leading dimensions and size-1 dimensions together: [4, 1, 3] against [2, 1]
    Tensor p = Tensor.ones(4, 1, 3).requiresGrad(true);
    Tensor q = Tensor.of(new float[] {1f, 2f}, 2, 1).requiresGrad(true);
    Tensor r = p.sub(q).div(q); // [4, 2, 3]
    assertTrue(r.hasShape(4, 2, 3));
    r.sum().backward();
    assertTrue(p.grad().hasShape(4, 1, 3));
    assertValues(new float[] {1.5f, 1.5f, 1.5f}, p.grad().narrow(0, 0, 1).reshape(-1), 1e-6);
    // d/dq (p - q) / q = -p / q^2, summed over 12 elements
    assertValues(new float[] {-12f, -3f}, q.grad(), 1e-6);
  }

  // ---------------------------------------------------------------- anomaly detection

  @Test
  void anomalyDetectionIsOffByDefault() {
    assertFalse(Autograd.anomalyDetection());
    Tensor y = Tensor.vector(-1f).requiresGrad(true).log();
    assertTrue(Float.isNaN(y.item()));
  }

  @Test
  void anomalyInForwardNamesTheOp() {
    Autograd.detectAnomaly(true);
    Tensor x = Tensor.vector(2f, -1f).requiresGrad(true);
    ArithmeticException e = assertThrows(ArithmeticException.class, x::log);
    assertTrue(e.getMessage().contains("log"), e.getMessage());
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    assertTrue(e.getMessage().contains("[2]"), e.getMessage());
    // also without grad
    ArithmeticException e2 =
        assertThrows(ArithmeticException.class, () -> Tensor.vector(1f).div(Tensor.vector(0f)));
    assertTrue(e2.getMessage().contains("div"), e2.getMessage());
  }

  @Test
  void anomalyInBackwardNamesTheOp() {
    Autograd.detectAnomaly(true);
    Tensor x = Tensor.vector(4f, 0f).requiresGrad(true);
    Tensor y = x.sqrt().sum(); // forward is finite; d sqrt at 0 is infinite
    ArithmeticException e = assertThrows(ArithmeticException.class, y::backward);
    assertTrue(e.getMessage().contains("backward of sqrt"), e.getMessage());
    assertTrue(e.getMessage().contains("Infinity"), e.getMessage());

    Tensor z = Tensor.vector(1f, 0f).requiresGrad(true);
    ArithmeticException e2 =
        assertThrows(
            ArithmeticException.class, () -> Autograd.grad(z.pow(0.5f).sum(), List.of(z), true));
    assertTrue(e2.getMessage().contains("backward of pow"), e2.getMessage());
  }

  @Test
  void anomalyDetectionIgnoresIntermediatesThatABackwardMasks() {
    Autograd.detectAnomaly(true);
    // pow's backward computes log(0) = -inf for the exponent's gradient, then replaces it by 0
    Tensor a = Tensor.vector(0f, 2f).requiresGrad(true);
    Tensor b = Tensor.vector(2f, 3f).requiresGrad(true);
    a.pow(b).sum().backward();
    assertValues(new float[] {0f, 8f * (float) Math.log(2)}, b.grad(), 1e-6);
    assertValues(new float[] {0f, 12f}, a.grad(), 1e-6);
  }

  @Test
  void anomalyDetectionAcceptsFiniteComputations() {
    Autograd.detectAnomaly(true);
    Tensor x = Tensor.vector(1f, 2f).requiresGrad(true);
    x.log().softmax(0).logSumExp().backward();
    assertNotNull(x.grad());
  }

  // ---------------------------------------------------------------- Function

  /** x^3 with a raw-array forward and a tensor-op backward. */
  static final class Cube extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      ctx.saveForBackward(in[0]);
      float[] v = in[0].toFloatArray();
      for (int i = 0; i < v.length; i++) {
        v[i] = v[i] * v[i] * v[i];
      }
      return Tensor.of(v, in[0].shape());
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
      Tensor x = ctx.saved(0);
      return new Tensor[] {gradOutput.mul(x.square().mul(3f))};
    }
  }

  /** a * exp(b) that saves its output and records which inputs needed a gradient. */
  static final class ScaledExp extends Function {
    boolean[] seenNeeds;
    boolean forwardSawGradMode;

    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      forwardSawGradMode = Autograd.isGradEnabled();
      Tensor out = in[0].mul(in[1].exp());
      ctx.saveForBackward(in[0], out);
      ctx.put("note", "kept");
      return out;
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
      seenNeeds = new boolean[] {ctx.needsInputGrad(0), ctx.needsInputGrad(1)};
      assertEquals("kept", ctx.<String>get("note"));
      Tensor a = ctx.saved(0);
      Tensor out = ctx.saved(1);
      return new Tensor[] {
        ctx.needsInputGrad(0) ? gradOutput.mul(out).div(a) : null,
        ctx.needsInputGrad(1) ? gradOutput.mul(out) : null
      };
    }
  }

  @Test
  void customFunctionForwardAndBackward() {
    Tensor x = leaf(1f, -2f, 0.5f);
    Tensor y = new Cube().apply(x);
    assertEquals("Cube", y.opName());
    assertValues(new float[] {1f, -8f, 0.125f}, y, 0);
    y.sum().backward();
    assertValues(new float[] {3f, 12f, 0.75f}, x.grad(), 1e-6);
  }

  @Test
  void customFunctionSeesNeedsInputGradAndSavedOutput() {
    ScaledExp f = new ScaledExp();
    Tensor a = Tensor.vector(2f, 3f);
    Tensor b = leaf(0f, 1f);
    Tensor y = f.apply(a, b);
    assertFalse(f.forwardSawGradMode, "forward runs with recording off");
    y.sum().backward();
    assertArrayEquals(new boolean[] {false, true}, f.seenNeeds);
    assertValues(new float[] {2f, 3f * (float) Math.E}, b.grad(), 1e-6);
    assertNull(a.grad());
  }

  @Test
  void customFunctionWithoutGradInputsRecordsNothing() {
    Tensor y = new Cube().apply(Tensor.vector(2f));
    assertTrue(y.isLeaf());
    assertFalse(y.requiresGrad());
    assertEquals(8f, y.item());
  }

  @Test
  void customFunctionReturningItsInputGetsAFreshOutput() {
    Function identity =
        new Function() {
          @Override
          protected Tensor forward(Context ctx, Tensor... in) {
            return in[0];
          }

          @Override
          protected Tensor[] backward(Context ctx, Tensor gradOutput) {
            return new Tensor[] {gradOutput};
          }
        };
    Tensor x = leaf(1f, 2f);
    Tensor y = identity.apply(x);
    assertTrue(y != x);
    assertTrue(x.isLeaf());
    assertEquals("Function", y.opName());
    y.mul(Tensor.vector(3f, 4f)).sum().backward();
    assertValues(new float[] {3f, 4f}, x.grad(), 0);
  }

  private static Function badBackward(Tensor[] result) {
    return new Function() {
      @Override
      public String name() {
        return "Bad";
      }

      @Override
      protected Tensor forward(Context ctx, Tensor... in) {
        return in[0].mul(2f);
      }

      @Override
      protected Tensor[] backward(Context ctx, Tensor gradOutput) {
        return result;
      }
    };
  }

  @Test
  void customFunctionWithWrongNumberOfGradientsThrows() {
    Tensor x = leaf(1f, 2f);
    Tensor y = badBackward(new Tensor[] {Tensor.ones(2), Tensor.ones(2)}).apply(x);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
    assertTrue(e.getMessage().contains("Bad"), e.getMessage());
    assertTrue(e.getMessage().contains("2 gradients for 1 inputs"), e.getMessage());
    Tensor z = badBackward(null).apply(x);
    assertThrows(IllegalStateException.class, () -> z.sum().backward());
  }

  @Test
  void customFunctionWithWrongGradientShapeThrows() {
    Tensor x = leaf(1f, 2f);
    Tensor y = badBackward(new Tensor[] {Tensor.ones(3)}).apply(x);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
    assertTrue(e.getMessage().contains("Bad"), e.getMessage());
    assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[2]"), e.getMessage());
    // a smaller gradient that would broadcast up is still wrong: it is not summable to [2]
    Tensor z = badBackward(new Tensor[] {Tensor.ones(1)}).apply(leaf(1f, 2f));
    assertThrows(IllegalStateException.class, () -> z.sum().backward());
    // a broadcast gradient that sums back to the input's shape is accepted
    Tensor w = leaf(1f, 2f);
    badBackward(new Tensor[] {Tensor.ones(3, 2)}).apply(w).sum().backward();
    assertValues(new float[] {3f, 3f}, w.grad(), 0);
  }

  @Test
  void secondDerivativeThroughACustomFunction() {
    Tensor x = leaf(1f, -2f);
    Tensor g = Autograd.grad(new Cube().apply(x).sum(), List.of(x), true).get(0);
    assertTrue(g.requiresGrad());
    Tensor gg = Autograd.grad(g.sum(), List.of(x), false).get(0);
    assertValues(new float[] {6f, -12f}, gg, 1e-6);

    // through a saved output: d^2/db^2 a e^b = a e^b
    Tensor a = Tensor.vector(2f);
    Tensor b = leaf(0.5f);
    Tensor gb = Autograd.grad(new ScaledExp().apply(a, b).sum(), List.of(b), true).get(0);
    Tensor gbb = Autograd.grad(gb.sum(), List.of(b), false).get(0);
    assertEquals(2 * Math.exp(0.5), gbb.item(), 1e-5);
  }
}
