package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A fully connected layer, as PyTorch's {@code nn.Linear}.
 *
 * <pre>
 *   y = x Wᵀ + b      x: [*, in],  W: [out, in],  b: [out],  y: [*, out]
 * </pre>
 *
 * <p>Parameters {@code weight} and {@code bias} (PyTorch's names and layouts, so state dicts move
 * between the two). Both start at {@code U(-1/sqrt(in), 1/sqrt(in))}, PyTorch's default, drawn from
 * the generator given to the constructor (see {@link Init} for the seed convention).
 */
public final class Linear extends Layer {
  private final int inFeatures;
  private final int outFeatures;
  private final Tensor weight;
  private final Tensor bias;

  /** A linear layer with a bias. */
  public Linear(int inFeatures, int outFeatures, RandomGenerator random) {
    this(inFeatures, outFeatures, true, random);
  }

  /** A linear layer, with or without a bias. */
  public Linear(int inFeatures, int outFeatures, boolean bias, RandomGenerator random) {
    checkArgument(
        inFeatures > 0 && outFeatures > 0,
        "Linear: feature counts must be positive, got in=%s, out=%s",
        inFeatures,
        outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    double bound = 1 / Math.sqrt(inFeatures);
    // kaiming_uniform(a = sqrt(5)) reduces to this bound
    this.weight =
        registerParameter(
            "weight", Init.uniform(Tensor.zeros(outFeatures, inFeatures), -bound, bound, random));
    this.bias =
        bias
            ? registerParameter(
                "bias", Init.uniform(Tensor.zeros(outFeatures), -bound, bound, random))
            : null;
  }

  /** Applies the layer to {@code input} of shape {@code [*, in]}; returns {@code [*, out]}. */
  @Override
  public Tensor forward(Tensor input) {
    int[] shape = input.shape();
    checkInput(
        shape.length >= 1 && shape[shape.length - 1] == inFeatures,
        "input %s does not end in in=%s features (weight [%s, %s])",
        Arrays.toString(shape),
        inFeatures,
        outFeatures,
        inFeatures);
    Tensor x = shape.length == 2 ? input : input.reshape(-1, inFeatures);
    Tensor y = Functional.linear(x, weight, bias);
    if (shape.length == 2) {
      return y;
    }
    int[] outShape = shape.clone();
    outShape[outShape.length - 1] = outFeatures;
    return y.reshape(outShape);
  }

  /** The weight parameter, {@code [out, in]}. */
  public Tensor weight() {
    return weight;
  }

  /** The bias parameter, {@code [out]}, or null if the layer has none. */
  public Tensor bias() {
    return bias;
  }

  /** The number of input features. */
  public int inFeatures() {
    return inFeatures;
  }

  /** The number of output features. */
  public int outFeatures() {
    return outFeatures;
  }

  @Override
  protected String extraRepr() {
    return "in=" + inFeatures + ", out=" + outFeatures + ", bias=" + (bias != null);
  }
}
