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
 * Per-op overhead: the add of two {@code [8]} vectors, with and without recording for autograd, a
 * chain of 100 recorded ops with its backward, and a small perceptron's training step (forward,
 * backward, Adam) at batch 1 and 32.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class SmallOpBenchmark {
  @Param({"java", "panama"})
  public String kernels;

  private Workloads.Add add;
  private Workloads.Add addRecorded;
  private Workloads.Chain chain;
  private Workloads.Mlp mlp1;
  private Workloads.Mlp mlp32;
  private Kernels previous;

  /** Installs the kernels under test and builds the inputs. */
  @Setup
  public void setUp() {
    previous = KernelProvider.set(KernelProvider.create(kernels));
    add = new Workloads.Add(false);
    addRecorded = new Workloads.Add(true);
    chain = new Workloads.Chain();
    mlp1 = new Workloads.Mlp(1, Workloads.MLP_SMALL);
    mlp32 = new Workloads.Mlp(32, Workloads.MLP_SMALL);
  }

  /** Restores the kernels chosen at startup. */
  @TearDown
  public void tearDown() {
    KernelProvider.set(previous);
  }

  /** {@code a.add(b)} on {@code [8]} vectors that do not require grad. */
  @Benchmark
  public Tensor add8() {
    return add.run();
  }

  /** {@code a.add(b)} on {@code [8]} vectors that require grad: the op is recorded. */
  @Benchmark
  public Tensor add8RequiresGrad() {
    return addRecorded.run();
  }

  /** Forward and backward of a chain of 100 elementwise ops on {@code [8]} vectors. */
  @Benchmark
  public Tensor chain100() {
    return chain.run();
  }

  /** A training step (forward, backward, Adam) of the 784-128-10 perceptron on one example. */
  @Benchmark
  public Tensor mlpStepBatch1() {
    return mlp1.run();
  }

  /** A training step (forward, backward, Adam) of the 784-128-10 perceptron on 32 examples. */
  @Benchmark
  public Tensor mlpStepBatch32() {
    return mlp32.run();
  }
}
