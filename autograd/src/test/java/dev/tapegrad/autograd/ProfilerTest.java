package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProfilerTest {
  @Test
  void countsRecordedNodesOnlyWhenTheTapeRecords() {
    Tensor x = Tensor.ones(2).requiresGrad(true);
    Tensor c = Tensor.ones(2);
    try (Profiler profiler = Profiler.start()) {
      x.mul(3f).sum(); // two nodes
      c.mul(3f).sum(); // no input requires grad
      try (var scope = Autograd.noGrad()) {
        x.mul(3f).sum();
      }
      assertEquals(6, profiler.totalOps());
      assertEquals(2, profiler.recordedNodes());
      try (Profiler inner = Profiler.start()) {
        x.exp();
        assertEquals(1, inner.recordedNodes());
      }
      assertEquals(2, profiler.recordedNodes(), "the inner scope counted the exp");
    }
  }

  @Test
  void countsOpsAndMultiplyAddsPerOpType() {
    Tensor a = Tensor.randn(1, 3, 4);
    Tensor b = Tensor.randn(2, 4, 5);
    try (Profiler profiler = Profiler.start()) {
      Tensor c = a.matmul(b); // 3 * 5 * 4 = 60
      c.mul(c); // 15
      c.mul(2f); // 15
      Tensor.vector(1f, 2f, 3f).dot(Tensor.vector(4f, 5f, 6f)); // 3
      c.tanh();
      assertEquals(1, profiler.stats().get("matmul").calls());
      assertEquals(60, profiler.stats().get("matmul").multiplyAdds());
      assertEquals(2, profiler.stats().get("mul").calls());
      assertEquals(30, profiler.stats().get("mul").multiplyAdds());
      assertEquals(3, profiler.stats().get("dot").multiplyAdds());
      assertEquals(0, profiler.stats().get("tanh").multiplyAdds());
      assertEquals(5, profiler.totalOps());
      assertEquals(93, profiler.totalMultiplyAdds());
      String report = profiler.report();
      assertTrue(report.contains("matmul") && report.contains("total"), report);
    }
  }

  @Test
  void countsUnderNoGradAndInBackward() {
    Tensor w = Tensor.randn(3, 4, 4).requiresGrad(true);
    Tensor x = Tensor.randn(4, 2, 4);
    try (Profiler profiler = Profiler.start()) {
      try (var scope = Autograd.noGrad()) {
        x.matmul(w);
      }
      assertEquals(32, profiler.totalMultiplyAdds());
    }
    Tensor loss = x.matmul(w).sum();
    try (Profiler profiler = Profiler.start()) {
      loss.backward(); // dW = xᵀ g: 4 * 4 * 2 multiply-adds
      assertEquals(32, profiler.stats().get("matmul").multiplyAdds());
    }
  }

  @Test
  void scopesNestAndStopCountingWhenClosed() {
    Tensor a = Tensor.ones(2);
    Profiler outer = Profiler.start();
    a.exp();
    try (Profiler inner = Profiler.start()) {
      a.exp();
      a.exp();
      assertEquals(2, inner.totalOps());
    }
    a.exp();
    outer.close();
    a.exp();
    assertEquals(2, outer.totalOps());
    assertFalse(outer.stats().isEmpty());
  }
}
