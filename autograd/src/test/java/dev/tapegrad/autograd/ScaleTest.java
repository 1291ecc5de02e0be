package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Long graphs and long training loops: backward never recurses, and a dropped graph is garbage.
 *
 * <p>The heap test is tagged {@code heap} and runs in its own surefire execution with a 64 MB heap
 * (see autograd/pom.xml), so that a leak fails with an OutOfMemoryError as well as by the measured
 * growth.
 */
class ScaleTest {
  private static final int CHAIN = 100_000;

  @Test
  void backwardThroughAHundredThousandOps() {
    float c = 1.00001f;
    Tensor x = Tensor.scalar(1f).requiresGrad(true);
    Tensor y = x;
    for (int i = 0; i < CHAIN; i++) {
      y = y.mul(c);
    }
    y.backward();
    // forward and backward both multiply by c a hundred thousand times, in float, in order
    float want = 1f;
    for (int i = 0; i < CHAIN; i++) {
      want *= c;
    }
    assertEquals(want, y.item(), 0);
    assertEquals(want, x.grad().item(), 0);
  }

  /** h <- tanh(h w + x), three ops a step; returns the final h. */
  private static Tensor recurrentChain(Tensor w, Tensor x, int steps) {
    Tensor h = Tensor.scalar(0.1f);
    for (int t = 0; t < steps; t++) {
      h = h.mul(w).add(x).tanh();
    }
    return h;
  }

  /** The same recurrence and its backpropagation through time in double, by hand. */
  private static double[] recurrentChainByHand(double w, double x, int steps) {
    double[] hs = new double[steps + 1];
    hs[0] = 0.1;
    for (int t = 0; t < steps; t++) {
      hs[t + 1] = Math.tanh(hs[t] * w + x);
    }
    double gh = 1;
    double gw = 0;
    double gx = 0;
    for (int t = steps - 1; t >= 0; t--) {
      double pre = gh * (1 - hs[t + 1] * hs[t + 1]);
      gw += pre * hs[t];
      gx += pre;
      gh = pre * w;
    }
    return new double[] {hs[steps], gw, gx};
  }

  @Test
  void backpropagationThroughTimeOverAHundredThousandOps() {
    int steps = CHAIN / 3 + 1;
    Tensor w = Tensor.scalar(0.6f).requiresGrad(true);
    Tensor x = Tensor.scalar(0.2f).requiresGrad(true);
    Tensor h = recurrentChain(w, x, steps);
    h.backward();
    double[] want = recurrentChainByHand(0.6f, 0.2f, steps);
    assertEquals(want[0], h.item(), 1e-5);
    assertEquals(want[1], w.grad().item(), 1e-4);
    assertEquals(want[2], x.grad().item(), 1e-4);
  }

  @Test
  void functionalGradThroughAHundredThousandOps() {
    int steps = CHAIN / 3 + 1;
    Tensor w = Tensor.scalar(0.6f).requiresGrad(true);
    Tensor x = Tensor.scalar(0.2f).requiresGrad(true);
    List<Tensor> g = Autograd.grad(recurrentChain(w, x, steps), List.of(w, x), false);
    recurrentChain(w, x, steps).backward();
    assertArrayEquals(w.grad().toFloatArray(), g.get(0).toFloatArray(), "same graph, same numbers");
    assertArrayEquals(x.grad().toFloatArray(), g.get(1).toFloatArray());

    // with createGraph the recorded backward is as long again; differentiating it must not recurse
    Tensor gx = Autograd.grad(recurrentChain(w, x, steps), List.of(x), true).get(0);
    assertTrue(gx.requiresGrad());
    Tensor gxw = Autograd.grad(gx, List.of(w), false).get(0);
    // d/dw (dh/dx) against a central difference of dh/dx in w
    float eps = 1e-2f;
    double plus = gradX(0.6f + eps, steps);
    double minus = gradX(0.6f - eps, steps);
    double fd = (plus - minus) / ((0.6f + eps) - (0.6f - eps));
    assertEquals(fd, gxw.item(), 2e-3 * Math.max(1, Math.abs(fd)));
  }

  private static double gradX(float w, int steps) {
    return recurrentChainByHand(w, 0.2f, steps)[2];
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(20);
      best = Math.min(best, memory.getHeapMemoryUsage().getUsed());
    }
    return best;
  }

  @Test
  @Tag("heap")
  void trainingLoopKeepsTheHeapFlat() throws InterruptedException {
    Random random = new Random(0);
    Tensor w1 = Tensor.randn(random, 16, 32).mul(0.1f).requiresGrad(true);
    Tensor b1 = Tensor.zeros(32).requiresGrad(true);
    Tensor w2 = Tensor.randn(random, 32, 4).mul(0.1f).requiresGrad(true);
    List<Tensor> params = List.of(w1, b1, w2);
    int[] targets = new int[8];
    long atThousand = 0;
    float firstLoss = Float.NaN;
    float loss = Float.NaN;
    for (int iteration = 1; iteration <= 10_000; iteration++) {
      Tensor x = Tensor.randn(random, 8, 16);
      for (int i = 0; i < targets.length; i++) {
        targets[i] = Math.floorMod((int) (x.get(i, 0) * 2), 4);
      }
      Tensor hidden = x.matmul(w1).add(b1).tanh();
      Tensor out = Functional.crossEntropy(hidden.matmul(w2), targets);
      out.backward();
      loss = out.item();
      if (iteration == 1) {
        firstLoss = loss;
      }
      try (var scope = Autograd.noGrad()) {
        for (Tensor p : params) {
          p.addInPlace(p.grad(), -0.05f);
          p.zeroGrad();
        }
      }
      if (iteration == 1_000) {
        atThousand = usedHeapAfterGc();
      }
    }
    long atTenThousand = usedHeapAfterGc();
    long growth = atTenThousand - atThousand;
    assertTrue(
        growth < 2L << 20,
        String.format("heap grew by %d bytes between iterations 1,000 and 10,000", growth));
    assertTrue(
        Float.isFinite(loss) && loss < firstLoss, "the loop trained: " + firstLoss + " -> " + loss);
  }

  @Test
  @Tag("heap")
  void keepingPastLossesDoesNotKeepTheirGraphs() throws InterruptedException {
    // a common logging pattern: every step's loss tensor kept in a list. After backward, a loss
    // must hold on to its own value, not to the step's activations (here 64 KB each, several a
    // step: kept graphs would need far more than the 64 MB heap)
    Random random = new Random(1);
    Tensor w = Tensor.randn(random, 64, 256).mul(0.05f).requiresGrad(true);
    List<Tensor> losses = new ArrayList<>();
    long before = usedHeapAfterGc();
    for (int step = 0; step < 1_000; step++) {
      Tensor x = Tensor.randn(random, 64, 64);
      Tensor loss = x.matmul(w).tanh().square().mean();
      loss.backward();
      losses.add(loss);
      w.zeroGrad();
    }
    long retained = usedHeapAfterGc() - before;
    assertTrue(retained < 4L << 20, String.format("1,000 kept losses retain %d bytes", retained));
    assertEquals(1_000, losses.size());
    assertTrue(losses.get(0).item() > 0f);
    assertFalse(losses.get(0).isLeaf(), "a loss still knows it was computed");
  }
}
