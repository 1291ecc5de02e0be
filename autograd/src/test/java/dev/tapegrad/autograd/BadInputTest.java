package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every bad shape, argument or index is refused with the documented exception and a message that
 * names the op and the shapes involved.
 */
class BadInputTest {
  private static final Tensor A23 = Tensor.zeros(2, 3);

  /** Asserts that {@code call} throws {@code type} with a message containing every part. */
  static String assertRejects(Class<? extends Throwable> type, Executable call, String... parts) {
    Throwable e = assertThrows(type, call);
    assertEquals(type, e.getClass(), "exact exception type");
    String message = e.getMessage();
    for (String part : parts) {
      assertTrue(
          message != null && message.contains(part),
          "message '" + message + "' lacks '" + part + "'");
    }
    return message;
  }

  private static void bad(Executable call, String... parts) {
    assertRejects(IllegalArgumentException.class, call, parts);
  }

  private static void badIndex(Executable call, String... parts) {
    assertRejects(IndexOutOfBoundsException.class, call, parts);
  }

  // ---------------------------------------------------------------- linear algebra

  @Test
  void matmulInnerMismatchHasTheDocumentedMessage() {
    String message =
        assertRejects(
            IllegalArgumentException.class,
            () -> Tensor.zeros(32, 64).matmul(Tensor.zeros(65, 128)));
    assertEquals("matmul: [32, 64] x [65, 128]: inner dimensions differ (64 vs 65)", message);
  }

  @Test
  void matmulOtherMismatches() {
    bad(() -> Tensor.zeros(3).matmul(Tensor.zeros(4)), "matmul", "[3]", "[4]");
    bad(() -> Tensor.zeros(3).matmul(Tensor.zeros(4, 2)), "matmul", "[3]", "[4, 2]");
    bad(() -> Tensor.zeros(2, 3).matmul(Tensor.zeros(2)), "matmul", "[2, 3]", "[2]");
    bad(
        () -> Tensor.zeros(5, 2, 3).matmul(Tensor.zeros(5, 4, 2)),
        "matmul",
        "[5, 2, 3]",
        "[5, 4, 2]",
        "(3 vs 4)");
    bad(
        () -> Tensor.zeros(2, 2, 3).matmul(Tensor.zeros(3, 3, 4)),
        "matmul",
        "[2, 2, 3]",
        "[3, 3, 4]",
        "batch");
    bad(() -> Tensor.scalar(1f).matmul(Tensor.zeros(1)), "matmul", "[]");
    bad(() -> Tensor.zeros(3).dot(Tensor.zeros(4)), "dot", "[3]", "[4]");
    bad(() -> Tensor.zeros(2, 2).dot(Tensor.zeros(2, 2)), "dot", "[2, 2]");
  }

  // ---------------------------------------------------------------- broadcasting

  @Test
  void nonBroadcastableElementwiseOps() {
    Tensor b = Tensor.zeros(4);
    bad(() -> A23.add(b), "add", "[2, 3]", "[4]");
    bad(() -> A23.sub(b), "sub", "[2, 3]", "[4]");
    bad(() -> A23.mul(b), "mul", "[2, 3]", "[4]");
    bad(() -> A23.div(b), "div", "[2, 3]", "[4]");
    bad(() -> A23.pow(b), "pow", "[2, 3]", "[4]");
    bad(() -> A23.maximum(b), "maximum", "[2, 3]", "[4]");
    bad(() -> A23.minimum(b), "minimum", "[2, 3]", "[4]");
    bad(() -> Tensor.zeros(2, 3).add(Tensor.zeros(3, 3)), "add", "[2, 3]", "[3, 3]");
  }

  @Test
  void nonBroadcastableComparisonsNameTheirOpAndKeepArgumentOrder() {
    Tensor b = Tensor.zeros(4);
    bad(() -> A23.gt(b), "gt", "[2, 3] and [4]");
    bad(() -> A23.lt(b), "lt", "[2, 3] and [4]");
    bad(() -> A23.ge(b), "ge", "[2, 3] and [4]");
    bad(() -> A23.le(b), "le", "[2, 3] and [4]");
    bad(() -> A23.eq(b), "eq", "[2, 3] and [4]");
  }

  @Test
  void nonBroadcastableWhere() {
    bad(() -> Tensor.where(Tensor.zeros(4), A23, A23), "where", "[4]", "[2, 3]");
    bad(() -> Tensor.where(Tensor.zeros(3), A23, Tensor.zeros(5)), "where", "[5]");
  }

  @Test
  void lossShapeMismatches() {
    bad(() -> Functional.mseLoss(A23, Tensor.zeros(3, 2)), "mseLoss", "[2, 3]", "[3, 2]");
    bad(
        () -> Functional.binaryCrossEntropyWithLogits(A23, Tensor.zeros(3)),
        "binaryCrossEntropyWithLogits",
        "[2, 3]",
        "[3]");
    bad(
        () -> Functional.crossEntropy(Tensor.zeros(2, 3, 4), new int[] {0, 1}),
        "crossEntropy",
        "[2, 3, 4]");
    bad(
        () -> Functional.crossEntropy(A23, new int[] {0, 1, 2}),
        "crossEntropy",
        "[2, 3]",
        "3 targets");
    bad(
        () -> Functional.crossEntropy(A23, new int[] {0, 1}, Reduction.MEAN, -100, 1.5f),
        "crossEntropy",
        "labelSmoothing");
    bad(() -> Functional.nllLoss(A23, new int[] {0}), "nllLoss", "[2, 3]");
  }

  // ---------------------------------------------------------------- shape ops

  @Test
  void reshapeWithWrongCount() {
    bad(() -> A23.reshape(4), "reshape", "[2, 3]", "[4]");
    bad(() -> A23.reshape(-1, 4), "reshape", "[2, 3]", "[-1, 4]");
    bad(() -> A23.reshape(-1, -1), "reshape", "[-1, -1]");
    bad(() -> A23.view(3, -2), "reshape", "[3, -2]");
  }

  @Test
  void badDimensions() {
    bad(() -> A23.transpose(0, 2), "transpose", "dimension 2", "[2, 3]");
    bad(() -> A23.transpose(-3, 0), "transpose", "dimension -3", "[2, 3]");
    bad(() -> Tensor.zeros(2, 3, 4).t(), "t", "[2, 3, 4]");
    bad(() -> A23.sum(2, false), "sum", "dimension 2", "[2, 3]");
    bad(() -> A23.mean(-3, true), "mean", "[2, 3]");
    bad(() -> A23.max(5, false), "max", "[2, 3]");
    bad(() -> A23.argmax(2, false), "argmax", "[2, 3]");
    bad(() -> A23.logSumExp(2, false), "logSumExp", "[2, 3]");
    bad(() -> A23.var(2, true, false), "var", "[2, 3]");
    bad(() -> A23.softmax(2), "softmax", "dimension 2", "[2, 3]");
    bad(() -> A23.logSoftmax(-3), "logSoftmax", "[2, 3]");
    bad(() -> A23.squeeze(2), "squeeze", "[2, 3]");
    bad(() -> A23.unsqueeze(3), "unsqueeze", "dimension 3", "[2, 3]");
    bad(() -> A23.unsqueeze(-4), "unsqueeze", "[2, 3]");
    bad(() -> A23.size(2), "size", "[2, 3]");
    bad(() -> Tensor.scalar(1f).size(0), "size", "[]");
    bad(() -> A23.permute(0), "permute", "[2, 3]");
    bad(() -> A23.permute(0, 0), "permute", "repeated");
    bad(() -> A23.permute(0, 2), "permute", "[2, 3]");
    bad(() -> A23.narrow(2, 0, 1), "narrow", "[2, 3]");
    bad(() -> A23.slice(2, 0, 1, 1), "slice", "[2, 3]");
    bad(() -> A23.slice(1, 0, 1, 0), "slice", "step");
    bad(() -> A23.indexSelect(2, 0), "indexSelect", "[2, 3]");
    bad(() -> A23.split(1, 2), "split", "[2, 3]");
  }

  @Test
  void narrowOutOfRange() {
    badIndex(() -> A23.narrow(1, 2, 2), "narrow", "[2, 4)", "[2, 3]");
    badIndex(() -> A23.narrow(0, -3, 1), "narrow", "[2, 3]");
    badIndex(() -> A23.narrow(0, 0, -1), "narrow", "[2, 3]");
    bad(() -> Tensor.scalar(1f).narrow(0, 0, 1), "narrow", "scalar");
  }

  @Test
  void expandAndSumToShapeMismatches() {
    bad(() -> A23.expand(2, 4), "expand", "[2, 3]", "[2, 4]");
    bad(() -> A23.expand(3), "expand", "[2, 3]", "[3]");
    bad(() -> A23.expand(-1, 2, 3), "expand", "-1");
    bad(() -> A23.sumToShape(3, 3), "sumToShape", "[2, 3]", "[3, 3]");
    bad(() -> A23.sumToShape(1, 2, 3), "sumToShape", "[2, 3]", "[1, 2, 3]");
  }

  @Test
  void catMismatches() {
    bad(() -> Tensor.cat(List.of(), 0), "cat");
    bad(
        () -> Tensor.cat(List.of(A23, Tensor.zeros(3, 3)), 1),
        "cat",
        "[3, 3]",
        "[2, 3]",
        "dimension 1");
    bad(() -> Tensor.cat(List.of(A23, Tensor.zeros(2, 3, 1)), 0), "cat", "[2, 3, 1]");
    bad(() -> Tensor.cat(List.of(A23, A23), 2), "cat", "dimension 2", "[2, 3]");
    bad(() -> Tensor.cat(List.of(Tensor.scalar(1f), Tensor.scalar(2f)), 0), "cat", "scalar");
  }

  @Test
  void stackMismatches() {
    bad(() -> Tensor.stack(List.of(A23, Tensor.zeros(3, 2)), 0), "stack", "[3, 2]", "[2, 3]");
    bad(() -> Tensor.stack(List.of(A23, A23), 3), "stack", "dimension 3");
    bad(() -> Tensor.stack(List.of(), 0), "stack");
  }

  @Test
  void splitAndChunkSizes() {
    bad(() -> A23.split(new int[] {1, 1}, 1), "split", "[1, 1]", "3", "[2, 3]");
    bad(() -> A23.split(new int[] {4, -1}, 1), "split", "[4, -1]");
    bad(() -> A23.split(0, 1), "split", "0");
    bad(() -> A23.chunk(0, 1), "chunk", "0");
    bad(() -> Tensor.scalar(1f).split(1, 0), "split", "[]");
    bad(() -> Tensor.scalar(1f).chunk(1, 0), "[]");
  }

  // ---------------------------------------------------------------- indexing

  @Test
  void indexSelectOutOfRange() {
    badIndex(() -> A23.indexSelect(1, 0, 3), "indexSelect", "index 3", "[2, 3]");
    badIndex(() -> A23.indexSelect(0, -1), "indexSelect", "index -1", "[2, 3]");
  }

  @Test
  void gatherOutOfRangeAndBadIndexShapes() {
    badIndex(() -> A23.gather(1, Tensor.of(new float[] {0f, 3f}, 2, 1)), "gather", "3.0", "[2, 3]");
    badIndex(() -> A23.gather(1, Tensor.of(new float[] {-1f, 0f}, 2, 1)), "gather", "-1.0");
    badIndex(() -> A23.gather(1, Tensor.of(new float[] {0.5f, 0f}, 2, 1)), "gather", "0.5");
    bad(() -> A23.gather(1, Tensor.zeros(2)), "gather", "[2]", "[2, 3]");
    bad(() -> A23.gather(1, Tensor.zeros(3, 1)), "gather", "[3, 1]", "[2, 3]");
  }

  @Test
  void oneHotOutOfRange() {
    badIndex(() -> Tensor.oneHot(new int[] {0, 3}, 3), "oneHot", "index 3", "3 classes");
    badIndex(() -> Tensor.oneHot(new int[] {-1}, 3), "oneHot", "-1");
    bad(() -> Tensor.oneHot(new int[] {0}, 0), "oneHot", "0");
  }

  @Test
  void crossEntropyTargetOutOfRange() {
    badIndex(
        () -> Functional.crossEntropy(A23, new int[] {0, 3}),
        "crossEntropy",
        "target 3",
        "3 classes",
        "[2, 3]");
    badIndex(() -> Functional.crossEntropy(A23, new int[] {-2, 0}), "crossEntropy", "target -2");
    badIndex(() -> Functional.nllLoss(A23, new int[] {0, 5}), "nllLoss", "target 5", "[2, 3]");
  }

  @Test
  void getOutOfRange() {
    badIndex(() -> A23.get(2, 0), "get", "[2, 0]", "[2, 3]");
    badIndex(() -> A23.get(0, -1), "get", "[2, 3]");
    bad(() -> A23.get(0), "get", "[2, 3]");
  }

  // ---------------------------------------------------------------- arguments

  @Test
  void clampMinAboveMax() {
    bad(() -> A23.clamp(1f, 0f), "clamp", "1.0", "0.0");
  }

  @Test
  void factoryArguments() {
    bad(() -> Tensor.of(new float[5], 2, 3), "Tensor.of", "5", "[2, 3]");
    bad(() -> Tensor.of(new float[2]), "Tensor.of", "[]");
    bad(() -> Tensor.zeros(2, -1), "zeros", "[2, -1]");
    bad(() -> Tensor.ones(-3), "[-3]");
    bad(() -> Tensor.full(1f, -1), "full", "[-1]");
    bad(() -> Tensor.rand(1L, -2), "rand", "[-2]");
    bad(() -> Tensor.randn(1L, 2, -2), "randn", "[2, -2]");
    bad(() -> Tensor.uniform(new Random(1), 0f, 1f, -1), "uniform", "[-1]");
    bad(() -> Tensor.eye(-1), "eye", "-1");
    bad(() -> Tensor.arange(0f, 1f, 0f), "arange", "step");
  }

  @Test
  void itemOnNonScalar() {
    bad(A23::item, "item", "[2, 3]", "6");
  }

  @Test
  void dropoutProbabilityOutsideUnitInterval() {
    Random r = new Random(1);
    bad(() -> Functional.dropout(A23, -0.1f, true, r), "dropout", "-0.1");
    bad(() -> Functional.dropout(A23, 1.5f, true, r), "dropout", "1.5");
    bad(() -> Functional.dropout(A23, Float.NaN, false, r), "dropout", "NaN");
  }

  @Test
  void setGradWithWrongShape() {
    bad(() -> A23.setGrad(Tensor.zeros(3, 2)), "setGrad", "[3, 2]", "[2, 3]");
  }

  @Test
  void inPlaceOnATensorThatRequiresGrad() {
    Tensor p = Tensor.zeros(2, 3).requiresGrad(true);
    Tensor q = Tensor.ones(2, 3);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.addInPlace(q, 1f));
    assertTrue(
        e.getMessage().contains("addInPlace") && e.getMessage().contains("noGrad"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> p.copyFrom(q));
    assertThrows(IllegalStateException.class, () -> p.fillInPlace(1f));
    assertThrows(IllegalStateException.class, () -> p.mulInPlace(2f));
    assertThrows(IllegalStateException.class, () -> p.mulInPlace(q));
    assertThrows(IllegalStateException.class, () -> p.addcmulInPlace(q, q, 1f));
    assertThrows(IllegalStateException.class, () -> p.addcdivInPlace(q, q, 1f));
    assertThrows(IllegalStateException.class, () -> p.clampInPlace(0f, 1f));
    assertEquals(0f, p.get(0, 0), "nothing was changed");
    // allowed under noGrad, and on tensors that do not require grad
    try (var s = Autograd.noGrad()) {
      p.addInPlace(q, 2f);
    }
    assertEquals(2f, p.get(1, 2));
    q.mulInPlace(3f);
    assertEquals(3f, q.get(0, 0));
  }

  @Test
  void inPlaceShapeMismatch() {
    Tensor p = Tensor.zeros(2, 3);
    Tensor q = Tensor.zeros(3, 2);
    bad(() -> p.copyFrom(q), "copyFrom", "[2, 3]", "[3, 2]");
    bad(() -> p.addInPlace(q, 1f), "addInPlace", "[2, 3]", "[3, 2]");
    bad(() -> p.mulInPlace(q), "mulInPlace", "[2, 3]", "[3, 2]");
    bad(() -> p.addcmulInPlace(q, p, 1f), "addcmulInPlace", "[3, 2]");
    bad(() -> p.addcdivInPlace(p, q, 1f), "addcdivInPlace", "[3, 2]");
  }

  @Test
  void emptyReductions() {
    bad(() -> Tensor.zeros(0).max(), "max", "[0]");
    bad(() -> Tensor.zeros(2, 0).min(1, false), "min", "[2, 0]");
  }

  // ---------------------------------------------------------------- sizes that overflow int

  @Test
  void shapesWhoseSizesMultiplyBeyondATensorAreRefusedNamingTheOp() {
    bad(
        () -> Tensor.zeros(65536, 65536, 65536, 65536),
        "zeros",
        "[65536, 65536, 65536, 65536]",
        "18446744073709551616 elements");
    bad(() -> Tensor.zeros(46341, 46341), "zeros: shape [46341, 46341] has 2147488281 elements");
    bad(() -> Tensor.ones(46341, 46341), "full", "[46341, 46341]");
    bad(() -> Tensor.full(2f, 1 << 16, 1 << 16), "full", "[65536, 65536]");
    bad(() -> Tensor.rand(1L, 1 << 16, 1 << 16), "rand", "[65536, 65536]");
    bad(() -> Tensor.randn(1L, 1 << 16, 1 << 16), "randn", "[65536, 65536]");
    bad(() -> Tensor.uniform(new Random(1), 0f, 1f, 1 << 16, 1 << 16), "uniform");
    bad(() -> Tensor.of(new float[1], 65536, 65536, 65536, 65536), "Tensor.of", "[65536, 65536,");
    // an empty shape is empty whatever its other sizes, as in PyTorch
    assertEquals(0, Tensor.zeros(0, 65536, 65536, 65536).numel());
  }

  @Test
  void eyeTooLargeForATensorNamesTheOp() {
    bad(() -> Tensor.eye(50000), "eye: shape [50000, 50000] has 2500000000 elements");
    bad(() -> Tensor.eye(65536), "eye: shape [65536, 65536] has 4294967296 elements");
    bad(() -> Tensor.eye(-1), "eye", "-1");
  }

  @Test
  void opsWhoseResultWouldOverflowNameTheOp() {
    Tensor column = Tensor.zeros(65536, 1);
    Tensor row = Tensor.zeros(1, 65536);
    bad(() -> column.matmul(row), "matmul", "[1, 65536, 65536]");
    bad(() -> column.add(row), "add", "[65536, 65536]");
    bad(() -> column.mul(row), "mul", "[65536, 65536]");
    bad(() -> column.expand(65536, 65536), "expand", "[65536, 65536]");
    bad(() -> Tensor.oneHot(new int[70000], 40000), "oneHot", "[70000, 40000]");
    bad(() -> Tensor.zeros(1).reshape(1, 65536, 65536, 65536), "reshape", "[1]");
    // 65536^4 wraps a long to 0, which would match the 0 elements of an empty tensor
    bad(
        () -> Tensor.zeros(0).reshape(65536, 65536, 65536, 65536),
        "reshape",
        "18446744073709551616 elements");
    Tensor wide = Tensor.zeros(0, 1 << 30);
    bad(() -> Tensor.cat(List.of(wide, wide, wide), 1), "cat", "dimension 1", "[0, 1073741824]");
  }

  @Test
  void arangeRefusesNonFiniteBoundsAndRangesBeyondATensor() {
    bad(() -> Tensor.arange(0, 3e9f, 1), "arange", "3000000000 elements");
    bad(() -> Tensor.arange(0, Float.NaN, 1), "arange", "NaN");
    bad(() -> Tensor.arange(Float.NEGATIVE_INFINITY, 0, 1), "arange", "-Infinity");
    bad(() -> Tensor.arange(0, 1, Float.NaN), "arange", "NaN");
    // each value is start + i * step, rounded once: no drift over long ranges
    float[] values = Tensor.arange(0, 1 << 25, 3).toFloatArray();
    assertEquals((float) (3.0 * (values.length - 1)), values[values.length - 1]);
  }

  // ---------------------------------------------------------------- non-finite arguments

  @Test
  void nonFiniteArgumentsThatWouldSilentlyFillATensorWithNaNAreRefused() {
    Tensor x = Tensor.vector(-1f, 2f);
    bad(() -> x.clamp(Float.NaN, 1f), "clamp", "NaN");
    bad(() -> x.clamp(0f, Float.NaN), "clamp", "NaN");
    bad(() -> x.leakyRelu(Float.NaN), "leakyRelu", "NaN");
    bad(() -> x.leakyRelu(Float.POSITIVE_INFINITY), "leakyRelu", "Infinity");
    bad(() -> Tensor.uniform(new Random(1), Float.NaN, 1f, 3), "uniform", "NaN");
    bad(() -> Tensor.uniform(new Random(1), 0f, Float.POSITIVE_INFINITY, 3), "uniform");
    bad(() -> Tensor.uniform(new Random(1), 2f, 1f, 3), "uniform", "[2.0, 1.0)");
  }

  // ---------------------------------------------------------------- anomaly mode

  @Test
  void anomalyModeReportsANewNaNEvenWhenAnInputHoldsAMaskOfMinusInfinity() {
    Autograd.detectAnomaly(true);
    try {
      Tensor masked = Tensor.vector(Float.NEGATIVE_INFINITY, 0f, 1f).requiresGrad(true);
      // legitimate: the -inf flows through, nothing new is made
      masked.add(1f).exp().softmax(0);
      // -inf * 0 makes the first NaN: that op is named
      ArithmeticException e =
          assertThrows(ArithmeticException.class, () -> masked.mul(Tensor.zeros(3)));
      assertTrue(e.getMessage().contains("anomaly: mul produced NaN"), e.getMessage());
      // a NaN that came in with an input is not blamed on the next op
      Tensor nan = Tensor.vector(Float.NaN, 1f);
      nan.add(1f);
    } finally {
      Autograd.detectAnomaly(false);
    }
  }
}
