package dev.tapegrad.benchmarks;

import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.Kernels;
import dev.tapegrad.autograd.kernel.UnaryOp;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * exp, tanh and sigmoid over 4096 floats: tapegrad's reproducible kernels of each provider against
 * the Vector API's own (not reproducible) {@code VectorOperators.EXP} and {@code TANH} as the
 * baseline. Inputs are uniform in [-8, 8], the range LSTM/GRU gates see.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar 'TranscendentalBenchmark.(exp|tanh|sigmoid)'
 * -wi 3 -i 8 -w 1 -r 1}. On a shared 2-core AVX-512 machine (JDK 17, so noisy), medians of 16
 * one-second iterations over two alternating runs, ns per 4096 floats: exp 5900 (21300 before the
 * kernels were written out flat on double lanes), sigmoid 6300 (21600), tanh 6800 (23700); the
 * intrinsics 1100, 1650 and 2250. The remaining factor of 3 to 5 is the price of evaluating in
 * double: half the lanes per vector, a degree-11 polynomial without fused multiply-adds, and a
 * double division for tanh and sigmoid, against float-precision library code.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class TranscendentalBenchmark {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

  private static final FloatVector ONE = FloatVector.broadcast(FLOATS, 1f);

  @Param({"4096"})
  public int n;

  private float[] x;
  private float[] out;
  private Kernels panama;
  private Kernels java;

  /** Random inputs and both providers. */
  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    x = new float[n];
    out = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (random.nextDouble() * 16 - 8);
    }
    panama = KernelProvider.create("panama");
    java = KernelProvider.create("java");
  }

  /** tapegrad's exp on the Vector API. */
  @Benchmark
  public float[] expPanama() {
    panama.unary(UnaryOp.EXP, x, 0, out, 0, n);
    return out;
  }

  /** tapegrad's tanh on the Vector API. */
  @Benchmark
  public float[] tanhPanama() {
    panama.unary(UnaryOp.TANH, x, 0, out, 0, n);
    return out;
  }

  /** tapegrad's sigmoid on the Vector API. */
  @Benchmark
  public float[] sigmoidPanama() {
    panama.unary(UnaryOp.SIGMOID, x, 0, out, 0, n);
    return out;
  }

  /** tapegrad's exp, portable scalar code. */
  @Benchmark
  public float[] expJava() {
    java.unary(UnaryOp.EXP, x, 0, out, 0, n);
    return out;
  }

  /** tapegrad's sigmoid, portable scalar code. */
  @Benchmark
  public float[] sigmoidJava() {
    java.unary(UnaryOp.SIGMOID, x, 0, out, 0, n);
    return out;
  }

  /** Baseline: the Vector API's exp intrinsic (a vendor library under C2). */
  @Benchmark
  public float[] expIntrinsic() {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += FLOATS.length()) {
      FloatVector.fromArray(FLOATS, x, i).lanewise(VectorOperators.EXP).intoArray(out, i);
    }
    return out;
  }

  /** Baseline: the Vector API's tanh intrinsic. */
  @Benchmark
  public float[] tanhIntrinsic() {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += FLOATS.length()) {
      FloatVector.fromArray(FLOATS, x, i).lanewise(VectorOperators.TANH).intoArray(out, i);
    }
    return out;
  }

  /** Baseline: sigmoid as {@code 1 / (1 + exp(-x))} on the exp intrinsic. */
  @Benchmark
  public float[] sigmoidIntrinsic() {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += FLOATS.length()) {
      FloatVector t = FloatVector.fromArray(FLOATS, x, i).neg().lanewise(VectorOperators.EXP);
      ONE.div(t.add(1f)).intoArray(out, i);
    }
    return out;
  }
}
