package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What a {@link Trace} records: ops with inputs, outputs, attributes and call sites. */
class TraceTest {
  private static List<String> names(Trace trace) {
    return trace.ops().stream().map(Trace.Op::name).collect(Collectors.toList());
  }

  @Test
  void recordsOpsInOrderWithTheirTensorsEvenUnderNoGrad() {
    Tensor x = Tensor.randn(1, 2, 3);
    Tensor w = Tensor.randn(2, 3, 4);
    Tensor y;
    try (Trace trace = Trace.start();
        var noGrad = Autograd.noGrad()) {
      y = x.matmul(w).tanh();
      assertEquals(List.of("matmul", "tanh"), names(trace));
      Trace.Op mm = trace.ops().get(0);
      assertSame(x, mm.inputs().get(0));
      assertSame(w, mm.inputs().get(1));
      assertSame(mm.output(), trace.ops().get(1).inputs().get(0));
      assertSame(y, trace.ops().get(1).output());
      assertEquals(Map.of("transA", false, "transB", false), mm.attributes());
      assertEquals(TraceTest.class.getName(), mm.site().getClassName(), "the caller, not autograd");
    }
    assertFalse(y.requiresGrad());
  }

  @Test
  void recordsAttributesOfShapeReductionAndScalarOps() {
    Tensor x = Tensor.randn(3, 2, 3, 4);
    try (Trace trace = Trace.start()) {
      x.permute(2, 0, 1).sum(1, true).mul(0.5f).narrow(0, 1, 2).softmax(-1);
      Tensor.cat(List.of(x, x), 1).indexSelect(2, 3, 0).clamp(-1f, 1f).leakyRelu(0.2f);
      List<Trace.Op> ops = trace.ops();
      assertEquals(
          List.of(
              "permute",
              "sum",
              "mul",
              "narrow",
              "softmax",
              "cat",
              "indexSelect",
              "clamp",
              "leakyRelu"),
          names(trace));
      assertArrayEquals(new int[] {2, 0, 1}, (int[]) ops.get(0).attribute("perm"));
      assertEquals(Map.of("dim", 1, "keepDim", true), ops.get(1).attributes());
      assertEquals(0.5f, ops.get(2).attribute("scalar"));
      assertEquals(Map.of("dim", 0, "start", 1, "length", 2), ops.get(3).attributes());
      assertEquals(Map.of("dim", 2), ops.get(4).attributes(), "negative dims are wrapped");
      assertEquals(Map.of("dim", 1), ops.get(5).attributes());
      assertArrayEquals(new int[] {3, 0}, (int[]) ops.get(6).attribute("indices"));
      assertEquals(Map.of("min", -1f, "max", 1f), ops.get(7).attributes());
      assertEquals(0.2f, ops.get(8).attribute("slope"));
    }
  }

  @Test
  void nothingIsRecordedOutsideATraceNorOnOtherThreads() throws Exception {
    Tensor x = Tensor.randn(4, 3);
    assertFalse(Trace.active());
    try (Trace trace = Trace.start()) {
      assertTrue(Trace.active());
      boolean otherThread =
          Executors.newSingleThreadExecutor()
              .submit(
                  () -> {
                    x.exp();
                    return Trace.active();
                  })
              .get();
      assertFalse(otherThread);
      assertEquals(List.of(), trace.ops());
    }
    assertFalse(Trace.active());
  }

  @Test
  void comparisonsAndArgmaxAreTracedThoughTheTapeDoesNotRecordThem() {
    Tensor x = Tensor.randn(9, 2, 3).requiresGrad(true);
    Tensor y = Tensor.randn(10, 2, 3);
    try (Trace trace = Trace.start()) {
      Tensor lt = x.lt(y);
      Tensor arg = x.argmax(1, true);
      assertEquals(List.of("lt", "argmax"), names(trace));
      assertSame(
          x,
          trace.ops().get(0).inputs().get(0),
          "inputs in the caller's order, though lt runs as gt swapped");
      assertSame(y, trace.ops().get(0).inputs().get(1));
      assertEquals(Map.of("dim", 1, "keepDim", true), trace.ops().get(1).attributes());
      assertTrue(lt.isLeaf() && arg.isLeaf(), "still no node on the tape");
    }
  }

  @Test
  void detachIsFollowedAsAnAlias() {
    Tensor x = Tensor.randn(5, 3).requiresGrad(true);
    try (Trace trace = Trace.start()) {
      Tensor d = x.detach();
      assertEquals(List.of("alias"), names(trace));
      assertSame(x, trace.ops().get(0).inputs().get(0));
      assertSame(d, trace.ops().get(0).output());
    }
  }

  @Test
  void compositeHidesItsOpsAndRecordsItselfOnce() {
    Tensor x = Tensor.randn(6, 2);
    try (Trace trace = Trace.start()) {
      Tensor y =
          Trace.composite(
              "square",
              Map.of("k", 2),
              List.of(x),
              () -> {
                assertFalse(Trace.active());
                return x.mul(x).add(1f);
              },
              out -> List.of(out));
      x.neg();
      assertEquals(List.of("square", "neg"), names(trace));
      assertEquals(Map.of("k", 2), trace.ops().get(0).attributes());
      assertSame(y, trace.ops().get(0).output());
    }
  }

  @Test
  void customFunctionIsOneOpNamingItsClassAndItsForwardIsHidden() {
    Function cube =
        new Function() {
          @Override
          protected Tensor forward(Context ctx, Tensor... in) {
            return in[0].mul(in[0]).mul(in[0]);
          }

          @Override
          protected Tensor[] backward(Context ctx, Tensor gradOutput) {
            return new Tensor[] {gradOutput};
          }

          @Override
          public String name() {
            return "cube";
          }
        };
    try (Trace trace = Trace.start()) {
      cube.apply(Tensor.randn(7, 3));
      assertEquals(List.of("cube"), names(trace));
      assertEquals(cube.getClass().getName(), trace.ops().get(0).attribute("function"));
    }
  }

  @Test
  void nestedTracesRestoreTheOuterOne() {
    Tensor x = Tensor.randn(8, 2);
    try (Trace outer = Trace.start()) {
      try (Trace inner = Trace.start()) {
        x.exp();
        assertEquals(List.of("exp"), names(inner));
      }
      x.log();
      assertEquals(List.of("log"), names(outer));
    }
  }
}
