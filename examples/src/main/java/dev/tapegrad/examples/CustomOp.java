package dev.tapegrad.examples;

import dev.tapegrad.autograd.Function;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.GradCheck;
import dev.tapegrad.autograd.GradCheckResult;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Layer;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.Sequential;
import dev.tapegrad.optim.Adam;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A user-defined differentiable function: a numerically stable softplus with its own forward and
 * backward, checked with {@link GradCheck} (first and second order), then used as the activation of
 * a model.
 *
 * <pre>
 *   softplus(x) = max(x, 0) + log(1 + exp(-|x|))      (never overflows)
 *   d softplus(x) / dx = sigmoid(x)
 * </pre>
 */
@Command(
    name = "custom-op",
    mixinStandardHelpOptions = true,
    description =
        "Define a differentiable function with its own backward, check it, and train with it.")
public final class CustomOp implements Callable<Integer> {
  @Option(names = "--steps", description = "training steps (default: ${DEFAULT-VALUE})")
  int steps = 1500;

  @Option(names = "--seed", description = "seed (default: ${DEFAULT-VALUE})")
  long seed = 5;

  /** What a run reports. */
  record Report(
      boolean firstOrderPassed, boolean secondOrderPassed, double finalMse, String report) {}

  private Report report;
  PrintStream console = System.out;

  Report report() {
    return report;
  }

  /**
   * The custom function: forward on raw floats, backward with tensor ops (so it differentiates
   * twice).
   */
  static final class StableSoftplus extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... inputs) {
      Tensor x = inputs[0];
      ctx.saveForBackward(x);
      float[] v = x.toFloatArray();
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (Math.max(v[i], 0) + Math.log1p(Math.exp(-Math.abs(v[i]))));
      }
      return Tensor.of(v, x.shape());
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
      Tensor x = ctx.saved(0);
      return new Tensor[] {gradOutput.mul(x.sigmoid())};
    }
  }

  /** The custom function as a layer. */
  static final class SoftplusLayer extends Layer {
    private final StableSoftplus softplus = new StableSoftplus();

    @Override
    public Tensor forward(Tensor input) {
      return softplus.apply(input);
    }
  }

  @Override
  public Integer call() {
    Tensor probe = Tensor.uniform(new Random(seed), -3f, 3f, 4, 5).requiresGrad(true);
    StableSoftplus softplus = new StableSoftplus();
    GradCheckResult first = GradCheck.check(in -> softplus.apply(in[0]), probe);
    GradCheckResult second = GradCheck.checkSecondOrder(in -> softplus.apply(in[0]), probe);
    console.println("GradCheck, first order:");
    console.println(first.report());
    console.println("GradCheck, second order:");
    console.println(second.report());
    Tensor big = Tensor.vector(-100f, 0f, 100f);
    console.println("softplus at -100, 0, 100: " + softplus.apply(big) + " (no overflow)");

    Random random = new Random(seed);
    Sequential model =
        new Sequential(new Linear(1, 32, random), new SoftplusLayer(), new Linear(32, 1, random));
    int points = 128;
    float[] xs = new float[points];
    float[] ys = new float[points];
    for (int i = 0; i < points; i++) {
      xs[i] = -3f + 6f * i / (points - 1);
      ys[i] = Math.abs(xs[i]) - 1f;
    }
    Tensor x = Tensor.of(xs, points, 1);
    Tensor y = Tensor.of(ys, points, 1);
    Adam adam = new Adam(model.parameters(), Adam.options().lr(0.01));
    double mse = Double.NaN;
    for (int step = 1; step <= steps; step++) {
      Tensor loss = Functional.mseLoss(model.forward(x), y);
      adam.zeroGrad();
      loss.backward();
      adam.step();
      mse = loss.item();
    }
    console.printf(
        Locale.ROOT,
        "a 1-32-1 network with the custom softplus fits |x| - 1: mse %.5f after %d steps%n",
        mse,
        steps);
    report = new Report(first.passed(), second.passed(), mse, first.report());
    return 0;
  }
}
