package dev.tapegrad.benchmarks;

import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.KernelThreads;
import dev.tapegrad.autograd.kernel.Kernels;
import java.util.Random;
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
 * The Vector API gemm on square sizes at 1 and 2 kernel threads ({@link KernelThreads}), straight
 * on the kernel (no tensor allocated), to find the size from which a second thread pays and to
 * check that it is never slower. GFLOP/s = {@code 2 size^3 / time}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class ThreadsBenchmark {
  @Param({"64", "80", "96", "112", "128", "160", "192", "256", "512", "1024"})
  public int size;

  @Param({"1", "2"})
  public int threads;

  private Kernels kernels;
  private float[] a;
  private float[] b;
  private float[] c;
  private int previous;

  /** Sets the thread count and builds the operands. */
  @Setup
  public void setUp() {
    kernels = KernelProvider.create("panama");
    previous = KernelThreads.setThreads(threads);
    Random random = new Random(1);
    a = new float[size * size];
    b = new float[size * size];
    c = new float[size * size];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) random.nextGaussian();
      b[i] = (float) random.nextGaussian();
    }
  }

  /** Restores the thread count. */
  @TearDown
  public void tearDown() {
    KernelThreads.setThreads(previous);
  }

  /** One {@code [size, size] x [size, size]} product into a reused buffer. */
  @Benchmark
  public float[] gemm() {
    kernels.gemm(size, size, size, a, 0, false, b, 0, false, c, 0);
    return c;
  }
}
