package dev.tapegrad.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.kernel.KernelProvider;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The comparison runner's plumbing and report; no speed is measured here. */
class CompareTest {
  private static final List<Report.Config> CONFIGS =
      List.of(
          new Report.Config("tapegrad-1", "tapegrad", 1, "tapegrad 1 thread"),
          new Report.Config("pytorch-1", "pytorch", 1, "PyTorch 1 thread"),
          new Report.Config("tapegrad-2", "tapegrad", 2, "tapegrad 2 threads"),
          new Report.Config("pytorch-2", "pytorch", 2, "PyTorch 2 threads, passive"));

  @Test
  void parsesAWorkersFactsAndTimes() {
    Compare.WorkerResult r =
        Compare.parseWorkerOutput(
            "# torch 1.13.1\n# threads 2\n# omp-wait-policy PASSIVE\nmatmul 256\t4.5e-05\n"
                + "lstm 2-layer char step\t0.06\n");
    assertEquals(Map.of("torch", "1.13.1", "threads", "2", "omp-wait-policy", "PASSIVE"), r.facts);
    assertEquals(Map.of("matmul 256", 4.5e-05, "lstm 2-layer char step", 0.06), r.seconds);
    assertNull(r.error);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Compare.parseWorkerOutput("garbage\n"));
    assertTrue(e.getMessage().contains("garbage"), e.getMessage());
  }

  @Test
  void cellsShowTheMedianOverRoundsAndTheSpread() {
    Report.Row step = new Report.Row("lstm char step", Workloads.Unit.TIME, 1);
    assertEquals("40.0 ms (30.0 ms–90.0 ms)", Report.cell(step, List.of(0.09, 0.03, 0.04)));
    assertEquals("40.0 ms", Report.cell(step, List.of(0.04)));
    assertEquals("–", Report.cell(step, List.of()));
    // 2 * 256^3 flops: 1 ms is 33.6 GF/s, 0.5 ms 67.1
    Report.Row mm = new Report.Row("matmul 256", Workloads.Unit.GFLOPS, 2.0 * 256 * 256 * 256);
    assertEquals("1.00 ms, 34 GF/s (34–67 GF/s)", Report.cell(mm, List.of(1e-3, 5e-4, 1e-3)));
    Report.Row chain = new Report.Row("chain 100 ops", Workloads.Unit.PER_OP, 100);
    assertEquals("200 ns/op (100 ns–300 ns)", Report.cell(chain, List.of(2e-5, 1e-5, 3e-5)));
  }

  @Test
  void ratiosDivideTapegradsBestByTheOtherFrameworksBest() {
    Report report =
        new Report(
            CONFIGS,
            List.of(
                new Report.Row("gru char step", Workloads.Unit.TIME, 1),
                new Report.Row("matmul 256", Workloads.Unit.GFLOPS, 2.0 * 256 * 256 * 256)));
    for (double s : new double[] {0.050, 0.052, 0.048}) {
      report.add("gru char step", "tapegrad-1", s);
    }
    for (double s : new double[] {0.060, 0.070, 0.065}) {
      report.add("gru char step", "tapegrad-2", s);
    }
    for (double s : new double[] {0.040, 0.041, 0.039}) {
      report.add("gru char step", "pytorch-1", s);
    }
    for (double s : new double[] {0.025, 0.030, 0.020}) {
      report.add("gru char step", "pytorch-2", s);
    }
    report.add("matmul 256", "tapegrad-2", 1e-3);
    assertEquals("tapegrad-1", report.best("gru char step", "tapegrad").id());
    assertEquals("pytorch-2", report.best("gru char step", "pytorch").id());
    assertEquals(0.050 / 0.025, report.ratio("gru char step", "pytorch"), 1e-12);
    assertTrue(Double.isNaN(report.ratio("matmul 256", "pytorch")));
    assertTrue(Double.isNaN(report.ratio("gru char step", "djl")));

    String[] lines = report.markdown().split("\n");
    assertEquals(4, lines.length, report.markdown());
    assertEquals(
        "| workload | tapegrad 1 thread | PyTorch 1 thread | tapegrad 2 threads |"
            + " PyTorch 2 threads, passive | tapegrad ÷ PyTorch |",
        lines[0]);
    assertEquals("|---|---|---|---|---|---|", lines[1]);
    assertTrue(lines[2].startsWith("| gru char step | 50.0 ms (48.0 ms–52.0 ms) |"), lines[2]);
    assertTrue(lines[2].endsWith("| **2.00** (1 ÷ 2) |"), lines[2]);
    assertTrue(lines[3].endsWith("| – | – |"), lines[3]);

    String[] csv = report.csv().split("\n");
    assertEquals(1 + 12 + 1, csv.length, report.csv());
    assertEquals("workload,unit,work,framework,threads,config,round,seconds", csv[0]);
    assertEquals("gru char step,time,1,tapegrad,1,tapegrad-1,1,0.05", csv[1]);
    assertEquals("matmul 256,gflops,33554432,tapegrad,2,tapegrad-2,1,0.001", csv[13]);
  }

  @Test
  void formatsTimesInReadableUnits() {
    assertEquals("40.0 ns", Report.formatTime(4e-8));
    assertEquals("12.5 µs", Report.formatTime(1.25e-5));
    assertEquals("1.00 ms", Report.formatTime(9.9996e-4));
    assertEquals("3.00 ms", Report.formatTime(3e-3));
    assertEquals("1.50 s", Report.formatTime(1.5));
  }

  @Test
  void optionsHaveHonestDefaultsAndRejectTypos() {
    Compare.Options full = Compare.parse(new String[0]);
    assertEquals(3, full.rounds());
    assertEquals(List.of(1, 2), full.threads);
    Compare.Options quick = Compare.parse(new String[] {"--quick", "--threads", "2", "--no-djl"});
    assertEquals(1, quick.rounds());
    assertEquals(List.of(2), quick.threads);
    assertFalse(quick.djl);
    assertEquals(5, Compare.parse(new String[] {"--quick", "--rounds", "5"}).rounds());
    assertThrows(IllegalArgumentException.class, () -> Compare.parse(new String[] {"--round"}));
    assertThrows(IllegalArgumentException.class, () -> Compare.parse(new String[] {"--rounds"}));
    assertThrows(
        IllegalArgumentException.class, () -> Compare.parse(new String[] {"--threads", "0"}));
  }

  @Test
  void eachTapegradConfigurationIsItsOwnJvmWithTheVectorApiAndItsThreadFlags() throws Exception {
    Compare.Options o =
        Compare.parse(new String[] {"--no-torch", "--no-djl", "--jvm-arg", "-XX:+UseSerialGC"});
    List<Compare.Launch> launches = Compare.launches(o);
    assertEquals(2, launches.size());
    for (int i = 0; i < 2; i++) {
      Compare.Launch l = launches.get(i);
      int threads = i + 1;
      assertEquals("tapegrad-" + threads, l.config().id());
      List<String> cmd = l.command();
      assertTrue(cmd.get(0).endsWith("java"), cmd.toString());
      assertEquals("jdk.incubator.vector", cmd.get(cmd.indexOf("--add-modules") + 1));
      assertTrue(cmd.containsAll(Compare.tapegradThreadFlags(threads)), cmd.toString());
      assertTrue(cmd.contains("-XX:+UseSerialGC"), cmd.toString());
      assertFalse(cmd.contains(Compare.COLLECTOR), "one collector only: " + cmd);
      assertTrue(cmd.contains(TapegradRun.class.getName()), cmd.toString());
    }
    assertEquals(
        List.of("-Dtapegrad.threads=2", "-XX:ActiveProcessorCount=2"),
        Compare.tapegradThreadFlags(2));
    // by default both thread counts run the collector HotSpot picks for 2 CPUs, not Serial at 1
    List<String> flags = Compare.tapegradJvmFlags(1, List.of());
    assertTrue(flags.contains("-XX:+UseG1GC"), flags.toString());
    assertTrue(flags.contains("-XX:ActiveProcessorCount=1"), flags.toString());
    // every tapegrad JVM runs with the flags tapegrad recommends to its users
    assertTrue(flags.containsAll(KernelProvider.RECOMMENDED_JVM_FLAGS), flags.toString());
  }

  @Test
  void pytorchRunsOnTwoThreadsOnlyWithPassiveWaiting() {
    assertNull(Compare.nativeThreadEnv(1).get("OMP_WAIT_POLICY"));
    assertEquals("1", Compare.nativeThreadEnv(1).get("OMP_NUM_THREADS"));
    assertEquals("PASSIVE", Compare.nativeThreadEnv(2).get("OMP_WAIT_POLICY"));
    assertEquals("2", Compare.nativeThreadEnv(2).get("OPENBLAS_NUM_THREADS"));
  }

  @Test
  void timingCallsTheTaskAndReportsAPositiveMedian() {
    AtomicInteger calls = new AtomicInteger();
    double seconds = new Timing(0.0, 0.0, 3).median(calls::incrementAndGet);
    assertTrue(seconds > 0);
    assertTrue(calls.get() >= 6, "warm-up of at least 3 calls and 3 samples");
    assertEquals(2.5, Timing.median(new double[] {4, 1, 2, 3}));
    assertEquals(2.0, Timing.median(new double[] {3, 1, 2}));
    assertThrows(IllegalArgumentException.class, () -> new Timing(0, 0, 0));
  }

  @Test
  void onlySelectsWorkloadsByNameAndRejectsUnknownOnes() {
    List<Workloads.Workload> all = Workloads.all();
    assertEquals(
        List.of(
            "matmul 256",
            "matmul 512",
            "matmul 1024",
            "mlp 784-128-10 batch 1",
            "mlp 784-128-10 batch 32",
            "mlp 784-128-10 batch 64",
            "mlp 784-256-128-10 batch 64",
            "lstm char step",
            "gru char step",
            "rnn char step",
            "lstm h512 char step",
            "lstm 2-layer char step",
            "chain 100 ops"),
        all.stream().map(Workloads.Workload::name).toList());
    assertEquals(
        List.of("matmul 512"),
        TapegradRun.select(all, java.util.Set.of("matmul 512")).stream()
            .map(Workloads.Workload::name)
            .toList());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TapegradRun.select(all, java.util.Set.of("matmul 64")));
    assertTrue(e.getMessage().contains("matmul 64"), e.getMessage());
  }
}
