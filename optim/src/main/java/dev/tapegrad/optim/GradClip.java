package dev.tapegrad.optim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, as PyTorch's {@code torch.nn.utils.clip_grad_norm_} and {@code
 * clip_grad_value_}.
 *
 * <p>Parameters whose {@code grad()} is null are ignored. Tensors are immutable, so a clipped
 * gradient is a new tensor set with {@link Tensor#setGrad}, not an in-place change of the old one
 * (which the caller may still hold). Clipping runs under no-grad and records nothing.
 */
public final class GradClip {
  private GradClip() {}

  /**
   * {@link #clipGradNorm(List, double, double, boolean)} with the 2-norm, rejecting non-finite
   * norms.
   */
  public static float clipGradNorm(List<Tensor> params, double maxNorm) {
    return clipGradNorm(params, maxNorm, 2, true);
  }

  /** {@link #clipGradNorm(List, double, double, boolean)} rejecting non-finite norms. */
  public static float clipGradNorm(List<Tensor> params, double maxNorm, double normType) {
    return clipGradNorm(params, maxNorm, normType, true);
  }

  /**
   * Scales the gradients so that their total norm, taken as if they were one concatenated vector,
   * is at most {@code maxNorm}, and returns the total norm before clipping.
   *
   * <pre>
   * total = ( sum over grads g of |g|_p ^ p ) ^ (1 / p)          (p = normType; max |g| for infinity)
   * coef  = min(1, maxNorm / (total + 1e-6))                     (float32, as PyTorch)
   * g     = g * coef                                             (for every gradient)
   * </pre>
   *
   * Norms are summed in double and rounded to float32 once, so the returned norm can differ from
   * PyTorch's float32 sums in the last bits. With no gradients at all the norm is 0.
   *
   * @param normType the p of the p-norm, {@code > 0}, or {@link Double#POSITIVE_INFINITY}
   * @param errorIfNonfinite when true, a NaN or infinite total norm throws instead of turning every
   *     gradient into NaN or 0; when false, gradients are scaled anyway, as PyTorch 1.13 does by
   *     default
   * @return the total norm of the gradients before clipping
   * @throws ArithmeticException if the norm is NaN or infinite and {@code errorIfNonfinite}; the
   *     gradients are unchanged then
   * @throws IllegalArgumentException if {@code maxNorm} is negative or NaN or {@code normType} is
   *     not positive
   */
  public static float clipGradNorm(
      List<Tensor> params, double maxNorm, double normType, boolean errorIfNonfinite) {
    checkNotNull(params, "clipGradNorm: params is null");
    checkArgument(maxNorm >= 0, "clipGradNorm: invalid maxNorm: %s (must be >= 0)", maxNorm);
    checkArgument(
        normType > 0, "clipGradNorm: invalid normType: %s (must be > 0 or infinity)", normType);
    List<Tensor> withGrad = new ArrayList<>();
    for (Tensor p : params) {
      if (p.grad() != null) {
        withGrad.add(p);
      }
    }
    if (withGrad.isEmpty()) {
      return 0f;
    }
    float total = (float) totalNorm(withGrad, normType);
    if (errorIfNonfinite && !Float.isFinite(total)) {
      throw new ArithmeticException(
          "clipGradNorm: the total "
              + normType
              + "-norm of the gradients of "
              + withGrad.size()
              + " parameters is "
              + total
              + ", so they cannot be clipped; pass errorIfNonfinite=false to scale them anyway");
    }
    // PyTorch: clip_coef = max_norm / (total_norm + 1e-6), a float32 reciprocal times max_norm.
    float coef = (1f / (total + 1e-6f)) * (float) maxNorm;
    float clamped = Math.min(coef, 1f);
    try (var scope = Autograd.noGrad()) {
      for (Tensor p : withGrad) {
        p.setGrad(p.grad().mul(clamped));
      }
    }
    return total;
  }

  private static double totalNorm(List<Tensor> params, double p) {
    boolean infinity = Double.isInfinite(p);
    double total = 0;
    for (Tensor param : params) {
      double norm = 0;
      if (infinity) {
        for (float v : param.grad().toFloatArray()) {
          norm = Math.max(norm, Math.abs(v)); // Math.max propagates NaN
        }
        total = Math.max(total, norm);
      } else {
        double sum = 0;
        for (float v : param.grad().toFloatArray()) {
          sum += p == 2 ? (double) v * v : Math.pow(Math.abs(v), p);
        }
        // The norm of the per-parameter norms, each rounded to float32, as PyTorch stacks them.
        norm = (float) root(sum, p);
        total += p == 2 ? norm * norm : Math.pow(norm, p);
      }
    }
    return infinity ? total : root(total, p);
  }

  private static double root(double sum, double p) {
    return p == 2 ? Math.sqrt(sum) : p == 1 ? sum : Math.pow(sum, 1 / p);
  }

  /**
   * Clamps every gradient element into {@code [-clipValue, clipValue]}.
   *
   * @throws IllegalArgumentException if {@code clipValue} is negative or NaN
   */
  public static void clipGradValue(List<Tensor> params, double clipValue) {
    checkNotNull(params, "clipGradValue: params is null");
    checkArgument(clipValue >= 0, "clipGradValue: invalid clipValue: %s (must be >= 0)", clipValue);
    float c = (float) clipValue;
    try (var scope = Autograd.noGrad()) {
      for (Tensor p : params) {
        if (p.grad() != null) {
          p.setGrad(p.grad().clamp(-c, c));
        }
      }
    }
  }
}
