package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.function.Executable;
import org.quicktheories.core.Gen;

/**
 * Support for table-driven gradient property tests: random cases (a shape of rank 1–3 with sizes
 * 1–6 and a seed), value domains that steer clear of kinks and poles, and a runner that gradchecks
 * one op specification over many cases.
 */
final class GradientCases {
  private GradientCases() {}

  /**
   * Base seed of the property runs. Fixed so that a failure reproduces on every machine; set the
   * system property {@code tapegrad.propertySeed} to explore other cases.
   */
  private static final long SEED = Long.getLong("tapegrad.propertySeed", 20_240_611L);

  /** One generated case: a shape and the seed of everything else drawn for it. */
  static final class Case {
    final int[] shape;
    final long seed;

    Case(int[] shape, long seed) {
      this.shape = shape;
      this.seed = seed;
    }

    Draw draw() {
      return new Draw(new Random(seed));
    }

    int rank() {
      return shape.length;
    }

    @Override
    public String toString() {
      return "shape " + Arrays.toString(shape) + ", seed " + seed;
    }
  }

  /** Shapes of rank 1–3 with sizes 1–6, and a seed. Shrinks towards small shapes. */
  static Gen<Case> cases() {
    Gen<Integer> size = integers().between(1, 6);
    return integers()
        .between(1, 3)
        .zip(
            size,
            size,
            size,
            longs().all(),
            (rank, a, b, c, seed) -> new Case(Arrays.copyOf(new int[] {a, b, c}, rank), seed));
  }

  /** Where the values of an input are drawn from. */
  enum Domain {
    /** Uniform in [-2, 2]. */
    ANY,
    /** Uniform in [0.5, 2]: log, sqrt, fractional powers, bases of pow. */
    POSITIVE,
    /** ±[0.5, 2]: divisors. */
    NONZERO,
    /** ±[0.1, 2]: relu, abs, leakyRelu, sign, away from their kink at 0. */
    AWAY_FROM_ZERO,
    /** [-2, 2] without ±0.1 around -1 and 1: clamp(-1, 1) away from its bounds. */
    CLAMP_SAFE,
    /**
     * Evenly spaced values in [-2, 2] in random order, at least 0.018 apart: max and min without
     * ties.
     */
    DISTINCT,
    /** Multiples of 0.1 in [-2, 2]. With {@link #OFF_GRID}: maximum and minimum without ties. */
    GRID,
    /** Multiples of 0.1 plus 0.05, in [-1.95, 1.95]: always at least 0.05 from {@link #GRID}. */
    OFF_GRID,
    /** Uniform in [0, 1]: probabilities (targets of binary cross-entropy). */
    UNIT
  }

  /** Draws shapes, dimensions and tensors for one case. */
  static final class Draw {
    final Random random;

    Draw(Random random) {
      this.random = random;
    }

    /** A leaf tensor that requires grad. */
    Tensor tensor(int[] shape, Domain domain) {
      return constant(shape, domain).requiresGrad(true);
    }

    /** A tensor that does not require grad. */
    Tensor constant(int[] shape, Domain domain) {
      int n = Shapes.numel(shape);
      float[] v = new float[n];
      if (domain == Domain.DISTINCT) {
        int[] order = permutation(n);
        for (int i = 0; i < n; i++) {
          v[i] = n == 1 ? uniform(-2, 2) : -2f + 4f * order[i] / (n - 1);
        }
        return Tensor.of(v, shape);
      }
      for (int i = 0; i < n; i++) {
        v[i] = value(domain);
      }
      return Tensor.of(v, shape);
    }

    private float value(Domain domain) {
      return switch (domain) {
        case ANY -> uniform(-2, 2);
        case POSITIVE -> uniform(0.5f, 2);
        case NONZERO -> sign() * uniform(0.5f, 2);
        case AWAY_FROM_ZERO -> sign() * uniform(0.1f, 2);
        case CLAMP_SAFE -> {
          float v = uniform(-2, 2);
          yield Math.abs(Math.abs(v) - 1) < 0.1f ? v * 0.8f : v;
        }
        case GRID -> (random.nextInt(41) - 20) / 10f;
        case OFF_GRID -> (random.nextInt(40) - 20) / 10f + 0.05f;
        case UNIT -> random.nextFloat();
        default -> throw new AssertionError(domain);
      };
    }

    float uniform(float low, float high) {
      return low + (high - low) * random.nextFloat();
    }

    float sign() {
      return random.nextBoolean() ? 1f : -1f;
    }

    /** A dimension of a rank-{@code rank} tensor, negative half of the time. */
    int dim(int rank) {
      int d = random.nextInt(rank);
      return random.nextBoolean() ? d : d - rank;
    }

    /** An integer in [low, high]. */
    int between(int low, int high) {
      return low + random.nextInt(high - low + 1);
    }

    boolean bool() {
      return random.nextBoolean();
    }

    int[] permutation(int n) {
      int[] p = new int[n];
      for (int i = 0; i < n; i++) {
        p[i] = i;
      }
      for (int i = n - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      return p;
    }
  }

  /** A function and the inputs to check it at. */
  static final class Check {
    final GradCheck.TensorFunction fn;
    final Tensor[] inputs;

    Check(GradCheck.TensorFunction fn, Tensor... inputs) {
      this.fn = fn;
      this.inputs = inputs;
    }
  }

  /**
   * One row of an op table: a name and how to build a check from a case. Every spec is checked to
   * first and second order: the domains keep the points away from kinks, where even relu's second
   * derivative exists (it is 0).
   */
  static final class Spec {
    final String name;
    final Function<Case, Check> build;

    Spec(String name, Function<Case, Check> build) {
      this.name = name;
      this.build = build;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Spec spec(String name, Function<Case, Check> build) {
    return new Spec(name, build);
  }

  /**
   * Asserts that every spec of a family passes GradCheck, first and second order, on random cases;
   * all failures are reported together.
   */
  static void assertGradientsMatch(String family, List<Spec> specs, int examples) {
    assertAll(family, specs.stream().map(spec -> (Executable) () -> run(spec, examples)));
  }

  /**
   * Gradchecks one spec over {@code examples} random cases. Every element must be compared (none
   * skipped as a kink: the domains avoid kinks, so a skip would hide a check).
   */
  static void run(Spec spec, int examples) {
    qt().withFixedSeed(SEED ^ spec.name.hashCode())
        .withExamples(examples)
        .forAll(cases())
        .checkAssert(c -> check(spec, c));
  }

  /** Gradchecks one spec at one case, first and second order. */
  static void check(Spec spec, Case c) {
    Check check = spec.build.apply(c);
    verify(spec.name, c, GradCheck.check(check.fn, check.inputs), check);
    verify(spec.name, c, GradCheck.checkSecondOrder(check.fn, check.inputs), check);
  }

  private static void verify(String name, Case c, GradCheckResult result, Check check) {
    assertTrue(result.passed(), () -> name + " at " + c + "\n" + result.report());
    for (GradCheckResult.InputResult input : result.inputs()) {
      if (input.checked()) {
        assertEquals(
            check.inputs[input.index()].numel(),
            input.elementsChecked(),
            () -> name + " at " + c + ": elements skipped\n" + result.report());
      }
    }
  }
}
