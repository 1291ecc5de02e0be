package dev.tapegrad.benchmarks;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.Kernels;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Square matrix products on each kernel provider. GFLOP/s = {@code 2 size^3 / time}; for 1024 at 20
 * ms per call, 107 GFLOP/s. Large products use every core (two here).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class MatmulBenchmark {
  @Param({"64", "128", "256", "512", "1024"})
  public int size;

  @Param({"java", "panama"})
  public String kernels;

  private Workloads.Matmul workload;
  private Kernels previous;

  /** Installs the kernels under test and builds the operands. */
  @Setup
  public void setUp() {
    previous = KernelProvider.set(KernelProvider.create(kernels));
    workload = new Workloads.Matmul(size);
  }

  /** Restores the kernels chosen at startup. */
  @TearDown
  public void tearDown() {
    KernelProvider.set(previous);
  }

  /** One {@code [size, size] x [size, size]} product. */
  @Benchmark
  public Tensor matmul() {
    return workload.run();
  }
}
