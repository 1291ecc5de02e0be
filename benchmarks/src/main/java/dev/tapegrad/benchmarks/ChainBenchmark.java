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
 * Per-op cost of a chain of {@value #OPS} tiny ops on {@code [8]} vectors, forward and backward:
 * {@code y = x}, then {@code y * w, y + b, tanh(y), y * 0.5} in turn, then {@code sum(y)} and its
 * backward into {@code x}, {@code w} and {@code b}. Divide the time by {@value #OPS} for the cost
 * per op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class ChainBenchmark {
  /** Ops in the chain. */
  public static final int OPS = 100;

  @Param({"java", "panama"})
  public String kernels;

  private Tensor x;
  private Tensor w;
  private Tensor b;
  private Kernels previous;

  /** Installs the kernels under test and builds the leaves. */
  @Setup
  public void setUp() {
    previous = KernelProvider.set(KernelProvider.create(kernels));
    x = Tensor.randn(1, Workloads.SMALL_OP_LENGTH).requiresGrad(true);
    w = Tensor.randn(2, Workloads.SMALL_OP_LENGTH).requiresGrad(true);
    b = Tensor.randn(3, Workloads.SMALL_OP_LENGTH).requiresGrad(true);
  }

  /** Restores the kernels chosen at startup. */
  @TearDown
  public void tearDown() {
    KernelProvider.set(previous);
  }

  /** The chain forward, its sum, and the backward pass. */
  @Benchmark
  public Tensor chain() {
    x.zeroGrad();
    w.zeroGrad();
    b.zeroGrad();
    Tensor y = x;
    for (int i = 0; i < OPS; i++) {
      y =
          switch (i % 4) {
            case 0 -> y.mul(w);
            case 1 -> y.add(b);
            case 2 -> y.tanh();
            default -> y.mul(0.5f);
          };
    }
    Tensor loss = y.sum();
    loss.backward();
    return loss;
  }
}
