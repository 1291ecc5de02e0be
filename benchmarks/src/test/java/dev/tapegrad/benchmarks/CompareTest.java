package dev.tapegrad.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The comparison runner's plumbing and its workloads; no speed is measured here. */
class CompareTest {
  @Test
  void parsesTheTorchScriptOutput() {
    Compare.TorchResult r =
        Compare.parseTorchOutput(
            "# torch 1.13.1\n# threads 2\nmatmul 64\t4.5e-05\nadd [8] requires_grad\t6e-06\n");
    assertEquals("1.13.1", r.version);
    assertEquals(Map.of("matmul 64", 4.5e-05, "add [8] requires_grad", 6e-06), r.seconds);
    assertThrows(IllegalArgumentException.class, () -> Compare.parseTorchOutput("garbage\n"));
  }

  @Test
  void tableShowsGflopsAndTheRatioToTorch() {
    Map<String, Map<String, Double>> times = new LinkedHashMap<>();
    times.put(
        "matmul 64", new LinkedHashMap<>(Map.of("java", 1e-4, "panama", 1e-5, "pytorch", 2e-5)));
    times.put("add [8]", new LinkedHashMap<>(Map.of("java", 5e-8, "panama", 4e-8)));
    String table =
        Compare.table(
            times, Map.of("matmul 64", 2.0 * 64 * 64 * 64), List.of("java", "panama"), "1.13.1");
    String[] lines = table.split("\n");
    assertEquals(3, lines.length, table);
    assertTrue(lines[0].contains("pytorch 1.13.1"), table);
    assertTrue(lines[1].contains("52.4 GF/s"), table); // 524288 flops in 10 us
    assertTrue(lines[1].trim().endsWith("0.50"), table);
    assertTrue(lines[2].trim().endsWith("-"), table);
  }

  @Test
  void formatsTimesInReadableUnits() {
    assertEquals("40 ns", Compare.formatTime(4e-8));
    assertEquals("12.50 us", Compare.formatTime(1.25e-5));
    assertEquals("3.00 ms", Compare.formatTime(3e-3));
  }

  @Test
  void timingCallsTheTaskAndReportsAPositiveMedian() {
    AtomicInteger calls = new AtomicInteger();
    double seconds = new Timing(0.0, 0.0, 3).median(calls::incrementAndGet);
    assertTrue(seconds > 0);
    assertTrue(calls.get() >= 6, "warm-up of at least 3 calls and 3 samples");
  }

  @Test
  void workloadsComputeWhatTheyClaim() {
    Tensor product = new Workloads.Matmul(64).run();
    assertTrue(product.hasShape(64, 64));
    Tensor sum = new Workloads.Add(true).run();
    assertTrue(sum.requiresGrad());
    assertNull(new Workloads.Add(false).run().opName());
    Workloads.Mlp mlp = new Workloads.Mlp(32);
    float loss = mlp.run().item();
    // random logits near zero: cross-entropy near ln(10)
    assertEquals(Math.log(10), loss, 0.5);
    for (Tensor p : mlp.parameters()) {
      assertNotNull(p.grad());
    }
  }
}
