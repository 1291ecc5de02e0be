package dev.tapegrad.nn;

import static dev.tapegrad.nn.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The loss modules: the maths is Functional's, the modules add scores {@code [*, C]}. */
class LossModulesTest {
  private static Tensor randn(long seed, int... shape) {
    return Tensor.randn(new Random(seed), shape);
  }

  @Test
  void crossEntropyOnSequenceLogitsEqualsFlattened() {
    Tensor logits = randn(1, 2, 3, 5);
    int[] targets = {0, 4, 2, 1, 3, 3};
    for (Reduction r : Reduction.values()) {
      Tensor seq = new CrossEntropyLoss(r, 4, 0.1f).forward(logits, targets);
      Tensor flat = Functional.crossEntropy(logits.reshape(6, 5), targets, r, 4, 0.1f);
      assertClose(r == Reduction.NONE ? flat.reshape(2, 3) : flat, seq, 1e-6);
    }
    assertArrayEquals(
        new int[] {2, 3},
        new CrossEntropyLoss(Reduction.NONE, -100, 0).forward(logits, targets).shape());
  }

  @Test
  void crossEntropyMatchesTheFormula() {
    Tensor logits = randn(2, 3, 4);
    int[] targets = {1, 3, 0};
    Tensor logProbs = logits.logSoftmax(1);
    double s = 0.2;
    double expected = 0;
    for (int i = 0; i < 3; i++) {
      double smooth = 0;
      for (int c = 0; c < 4; c++) {
        smooth -= logProbs.get(i, c) / 4;
      }
      expected += (1 - s) * -logProbs.get(i, targets[i]) + s * smooth;
    }
    expected /= 3;
    assertEquals(
        expected,
        Functional.crossEntropy(logits, targets, Reduction.MEAN, -100, (float) s).item(),
        1e-5);
    assertEquals(
        expected,
        new CrossEntropyLoss(Reduction.MEAN, -100, (float) s).forward(logits, targets).item(),
        1e-5);
  }

  @Test
  void ignoredTargetsGetNoLossNoGradientAndAreNotCounted() {
    Tensor logits = randn(3, 3, 4).requiresGrad(true);
    int[] targets = {1, 0, 2};
    Tensor loss = new CrossEntropyLoss(Reduction.MEAN, 0, 0f).forward(logits, targets);
    Tensor kept =
        new CrossEntropyLoss().forward(logits.detach().indexSelect(0, 0, 2), new int[] {1, 2});
    assertEquals(kept.item(), loss.item(), 1e-6);
    loss.backward();
    for (int c = 0; c < 4; c++) {
      assertEquals(0f, logits.grad().get(1, c));
    }
  }

  @Test
  void nllOfLogSoftmaxIsCrossEntropy() {
    Tensor logits = randn(4, 2, 2, 3);
    int[] targets = {2, 0, 1, 1};
    for (Reduction r : Reduction.values()) {
      assertClose(
          new CrossEntropyLoss(r, -100, 0f).forward(logits, targets),
          new NllLoss(r, -100).forward(new LogSoftmax(-1).forward(logits), targets),
          1e-6);
    }
    Tensor single = randn(5, 3).logSoftmax(0);
    assertEquals(-single.get(2), new NllLoss().forward(single, new int[] {2}).item(), 1e-6);
    assertEquals(0, new NllLoss(Reduction.NONE, -100).forward(single, new int[] {2}).dim());
  }

  @Test
  void mseAndBceReduceAsAsked() {
    Tensor x = randn(6, 2, 3);
    Tensor t = Tensor.rand(7, 2, 3);
    Tensor sq = x.sub(t).square();
    assertClose(sq, new MseLoss(Reduction.NONE).forward(x, t), 1e-6);
    assertEquals(sq.sum().item(), new MseLoss(Reduction.SUM).forward(x, t).item(), 1e-5);
    assertEquals(sq.mean().item(), new MseLoss().forward(x, t).item(), 1e-6);
    assertEquals(sq.mean().item(), Functional.mseLoss(x, t).item(), 1e-6);
    // -(t log s + (1 - t) log(1 - s))
    Tensor s = x.sigmoid();
    Tensor bce = t.mul(s.log()).add(t.rsub(1f).mul(s.rsub(1f).log())).neg();
    assertClose(bce, new BceWithLogitsLoss(Reduction.NONE).forward(x, t), 1e-5);
    assertEquals(bce.sum().item(), new BceWithLogitsLoss(Reduction.SUM).forward(x, t).item(), 1e-4);
    assertEquals(bce.mean().item(), new BceWithLogitsLoss().forward(x, t).item(), 1e-5);
    assertEquals(bce.mean().item(), Functional.binaryCrossEntropyWithLogits(x, t).item(), 1e-5);
  }

  @Test
  void lossesRejectMismatchedTargets() {
    Tensor logits = randn(8, 2, 3, 5);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new CrossEntropyLoss().forward(logits, new int[] {1, 2}));
    assertTrue(
        e.getMessage().contains("crossEntropy: scores [2, 3, 5] need 6 targets"), e.getMessage());
    assertThrows(
        IndexOutOfBoundsException.class,
        () -> new CrossEntropyLoss().forward(logits, new int[] {0, 1, 2, 3, 4, 5}));
    IllegalArgumentException m =
        assertThrows(
            IllegalArgumentException.class,
            () -> new MseLoss().forward(Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
    assertTrue(
        m.getMessage().contains("[2, 3]") && m.getMessage().contains("[3, 2]"), m.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> new CrossEntropyLoss(Reduction.MEAN, -100, 1.5f));
  }
}
