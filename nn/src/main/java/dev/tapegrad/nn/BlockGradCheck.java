package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.GradCheck;
import dev.tapegrad.autograd.GradCheckOptions;
import dev.tapegrad.autograd.GradCheckResult;
import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Checks a whole model's gradients, with respect to its parameters and its inputs, against finite
 * differences: {@link GradCheck} for a {@link Block}.
 *
 * <pre>{@code
 * @Test
 * void myModelHasCorrectGradients() {
 *   MyModel model = new MyModel(new Random(1));
 *   Tensor x = Tensor.randn(2L, 4, 8).requiresGrad(true);
 *   BlockGradCheck.assertGradients(model, in -> model.forward(in[0]).sum(), x);
 * }
 * }</pre>
 *
 * <p>The function computes the checked output from the inputs it is given, calling the model; it
 * may return any tensor (several outputs flattened and concatenated, say), not only a scalar loss.
 * Every parameter of the model and every input that requires grad is checked. The parameters are
 * perturbed in place (GradCheck's {@link GradCheckOptions.Builder#perturbInPlace} option) and
 * always restored, so the model computes with its own tensors as in training; the function must
 * therefore read the inputs through its argument, and must be deterministic (put the model in
 * {@link Block#eval()} mode, or draw dropout masks from a generator seeded inside the function).
 *
 * <p>In the result, inputs {@code 0 .. n-1} are the given inputs and the rest are the parameters in
 * {@link Block#namedParameters()} order; a failure's message names each parameter.
 */
public final class BlockGradCheck {
  private BlockGradCheck() {}

  /** Checks first derivatives with GradCheck's default options. */
  public static GradCheckResult check(
      Block model, GradCheck.TensorFunction function, Tensor... inputs) {
    return check(GradCheckOptions.defaults(), model, function, inputs);
  }

  /** Checks first derivatives with the given options (perturbing in place whatever they say). */
  public static GradCheckResult check(
      GradCheckOptions options, Block model, GradCheck.TensorFunction function, Tensor... inputs) {
    return run(false, options, model, function, inputs);
  }

  /**
   * Checks second derivatives (see {@link GradCheck#checkSecondOrder}) with the default options.
   */
  public static GradCheckResult checkSecondOrder(
      Block model, GradCheck.TensorFunction function, Tensor... inputs) {
    return checkSecondOrder(GradCheckOptions.defaults(), model, function, inputs);
  }

  /** Checks second derivatives with the given options (perturbing in place whatever they say). */
  public static GradCheckResult checkSecondOrder(
      GradCheckOptions options, Block model, GradCheck.TensorFunction function, Tensor... inputs) {
    return run(true, options, model, function, inputs);
  }

  /**
   * As {@link #check(Block, GradCheck.TensorFunction, Tensor...)}, throwing an {@link
   * AssertionError} with the report, and the parameters' names, if anything fails.
   */
  public static GradCheckResult assertGradients(
      Block model, GradCheck.TensorFunction function, Tensor... inputs) {
    return assertPassed(model, inputs, check(model, function, inputs));
  }

  /**
   * As {@link #assertGradients(Block, GradCheck.TensorFunction, Tensor...)}, with the given
   * options.
   */
  public static GradCheckResult assertGradients(
      GradCheckOptions options, Block model, GradCheck.TensorFunction function, Tensor... inputs) {
    return assertPassed(model, inputs, check(options, model, function, inputs));
  }

  /**
   * As {@link #checkSecondOrder(Block, GradCheck.TensorFunction, Tensor...)}, throwing on failure.
   */
  public static GradCheckResult assertSecondOrderGradients(
      Block model, GradCheck.TensorFunction function, Tensor... inputs) {
    return assertPassed(model, inputs, checkSecondOrder(model, function, inputs));
  }

  /**
   * As {@link #assertSecondOrderGradients(Block, GradCheck.TensorFunction, Tensor...)}, with
   * options.
   */
  public static GradCheckResult assertSecondOrderGradients(
      GradCheckOptions options, Block model, GradCheck.TensorFunction function, Tensor... inputs) {
    return assertPassed(model, inputs, checkSecondOrder(options, model, function, inputs));
  }

  private static GradCheckResult run(
      boolean secondOrder,
      GradCheckOptions options,
      Block model,
      GradCheck.TensorFunction function,
      Tensor[] inputs) {
    checkArgument(options != null, "BlockGradCheck: options are null");
    checkArgument(model != null, "BlockGradCheck: model is null");
    checkArgument(function != null, "BlockGradCheck: function is null");
    checkArgument(inputs != null, "BlockGradCheck: inputs are null");
    List<Tensor> parameters = model.parameters();
    Tensor[] all = Arrays.copyOf(inputs, inputs.length + parameters.size());
    for (int k = 0; k < parameters.size(); k++) {
      all[inputs.length + k] = parameters.get(k);
    }
    GradCheckOptions inPlace =
        options.perturbInPlace() ? options : options.toBuilder().perturbInPlace(true).build();
    // the function sees the given inputs only; the model reads its parameters itself
    int count = inputs.length;
    GradCheck.TensorFunction restricted = in -> function.apply(Arrays.copyOf(in, count));
    return secondOrder
        ? GradCheck.checkSecondOrder(inPlace, restricted, all)
        : GradCheck.check(inPlace, restricted, all);
  }

  private static GradCheckResult assertPassed(
      Block model, Tensor[] inputs, GradCheckResult result) {
    if (!result.passed()) {
      int index = inputs.length;
      String given =
          switch (index) {
            case 0 -> "no inputs given; parameters:";
            case 1 -> "input 0 is the given input; then";
            default -> "inputs 0.." + (index - 1) + " are the given inputs; then";
          };
      StringBuilder legend = new StringBuilder(given);
      boolean first = true;
      for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
        legend.append(first ? " " : ", ").append(index++).append(" = ").append(e.getKey());
        first = false;
      }
      throw new AssertionError(legend + "\n" + result.report());
    }
    return result;
  }
}
