package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;

/**
 * Layer normalisation over the trailing dimensions, as PyTorch's {@code nn.LayerNorm}.
 *
 * <pre>
 *   y = (x - mean(x)) / sqrt(var(x) + eps) * weight + bias
 * </pre>
 *
 * <p>Mean and (biased) variance are taken over the last {@code normalizedShape.length} dimensions
 * of the input, which must equal {@code normalizedShape}. With elementwise affine (the default),
 * {@code weight} and {@code bias} have shape {@code normalizedShape} and start at ones and zeros.
 * Nothing is random, so no generator is needed.
 */
public final class LayerNorm extends Layer {
  private final int[] normalizedShape;
  private final int normalizedSize;
  private final float eps;
  private final Tensor weight;
  private final Tensor bias;

  /** Layer norm over the trailing {@code normalizedShape}, eps 1e-5, with affine parameters. */
  public LayerNorm(int... normalizedShape) {
    this(normalizedShape, 1e-5f, true);
  }

  /** Layer norm with an explicit eps and affine choice. */
  public LayerNorm(int[] normalizedShape, float eps, boolean elementwiseAffine) {
    checkArgument(normalizedShape.length > 0, "LayerNorm: normalizedShape must not be empty");
    for (int s : normalizedShape) {
      checkArgument(
          s > 0,
          "LayerNorm: normalizedShape %s must be positive",
          Arrays.toString(normalizedShape));
    }
    checkArgument(
        eps >= 0 && eps < Float.POSITIVE_INFINITY,
        "LayerNorm: eps must be finite and >= 0, got %s",
        eps);
    this.normalizedShape = normalizedShape.clone();
    this.normalizedSize = Arrays.stream(normalizedShape).reduce(1, Math::multiplyExact);
    this.eps = eps;
    this.weight =
        elementwiseAffine ? registerParameter("weight", Tensor.ones(normalizedShape)) : null;
    this.bias = elementwiseAffine ? registerParameter("bias", Tensor.zeros(normalizedShape)) : null;
  }

  /** Normalises {@code input} of shape {@code [*, normalizedShape...]}; returns the same shape. */
  @Override
  public Tensor forward(Tensor input) {
    int[] shape = input.shape();
    int k = normalizedShape.length;
    checkInput(
        shape.length >= k
            && Arrays.equals(
                Arrays.copyOfRange(shape, shape.length - k, shape.length), normalizedShape),
        "input %s does not end in normalizedShape %s",
        Arrays.toString(shape),
        Arrays.toString(normalizedShape));
    Tensor x = input.reshape(-1, normalizedSize);
    Tensor centered = x.sub(x.mean(1, true));
    Tensor variance = centered.square().mean(1, true);
    Tensor y = centered.div(variance.add(eps).sqrt()).reshape(shape);
    return weight == null ? y : y.mul(weight).add(bias);
  }

  /** The scale parameter, shaped {@code normalizedShape}, or null without affine parameters. */
  public Tensor weight() {
    return weight;
  }

  /** The shift parameter, shaped {@code normalizedShape}, or null without affine parameters. */
  public Tensor bias() {
    return bias;
  }

  /** The trailing shape normalised over. */
  public int[] normalizedShape() {
    return normalizedShape.clone();
  }

  @Override
  protected String extraRepr() {
    return Arrays.toString(normalizedShape)
        + ", eps="
        + eps
        + ", elementwiseAffine="
        + (weight != null);
  }
}
