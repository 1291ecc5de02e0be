package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Parameter initialisers, as in {@code torch.nn.init}: each overwrites a tensor's values in place
 * (under no-grad, so it works on parameters) and returns it.
 *
 * <h2>Seed convention</h2>
 *
 * <p>Nothing in tapegrad draws from a hidden global generator. Randomness always comes from a
 * {@link RandomGenerator} passed explicitly:
 *
 * <ul>
 *   <li>Every layer with random initial values (or random behaviour, like {@link Dropout}) takes a
 *       {@code RandomGenerator} as the <em>last</em> argument of its constructor, e.g. {@code new
 *       Linear(4, 8, random)}.
 *   <li>A layer draws its initial values in its constructor, parameter by parameter in registration
 *       order (which is also {@link Block#namedParameters()} order, e.g. Linear's {@code weight}
 *       then {@code bias}), each tensor element by element in row-major order, through the methods
 *       of this class.
 *   <li>So a model built from one generator, {@code var random = new java.util.Random(42)}, gets
 *       the same weights on every run. {@link java.util.Random} is the recommended generator: its
 *       algorithm is specified, so a seed means the same numbers on every JDK. The generator is not
 *       kept by the layer unless the layer needs randomness later (dropout masks).
 *   <li>To re-initialise, call these methods on {@link Block#parameters()} with a fresh generator.
 * </ul>
 *
 * <h2>PyTorch's defaults, which the layers follow</h2>
 *
 * <pre>
 *   Linear, TimeDelay      weight, bias ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn))
 *                          (kaiming_uniform with a = sqrt(5) for the weight; fanIn = in * context)
 *   Embedding              weight ~ N(0, 1), the padding row zero
 *   LayerNorm              weight = 1, bias = 0
 *   recurrent cells        every weight and bias ~ U(-1/sqrt(hidden), 1/sqrt(hidden))
 * </pre>
 *
 * <p>Fans follow PyTorch: for a tensor of shape {@code [out, in, k...]}, {@code fanIn = in *
 * prod(k)} and {@code fanOut = out * prod(k)}; tensors with fewer than two dimensions have no fans.
 * Random values are drawn in double precision and rounded to float.
 */
public final class Init {
  private Init() {}

  /** Which fan Kaiming initialisation preserves: forward activations or backward gradients. */
  public enum FanMode {
    /** Preserves the variance of activations in the forward pass (the default). */
    FAN_IN,
    /** Preserves the variance of gradients in the backward pass. */
    FAN_OUT
  }

  /** Fills {@code tensor} with values drawn uniformly from {@code [low, high)}. */
  public static Tensor uniform(Tensor tensor, double low, double high, RandomGenerator random) {
    checkArgument(
        Double.isFinite(low) && Double.isFinite(high),
        "Init.uniform: bounds must be finite, got low %s, high %s",
        low,
        high);
    checkArgument(low <= high, "Init.uniform: low %s > high %s", low, high);
    float[] values = new float[tensor.numel()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (low + (high - low) * random.nextDouble());
    }
    return overwrite(tensor, values);
  }

  /** Fills {@code tensor} with values drawn from a normal distribution N(mean, std²). */
  public static Tensor normal(Tensor tensor, double mean, double std, RandomGenerator random) {
    checkArgument(Double.isFinite(mean), "Init.normal: mean must be finite, got %s", mean);
    checkArgument(
        std >= 0 && std < Double.POSITIVE_INFINITY,
        "Init.normal: std must be finite and >= 0, got %s",
        std);
    float[] values = new float[tensor.numel()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (mean + std * random.nextGaussian());
    }
    return overwrite(tensor, values);
  }

  /** Fills {@code tensor} with {@code value}. */
  public static Tensor constant(Tensor tensor, float value) {
    float[] values = new float[tensor.numel()];
    Arrays.fill(values, value);
    return overwrite(tensor, values);
  }

  /** Fills {@code tensor} with zeros. */
  public static Tensor zeros(Tensor tensor) {
    return constant(tensor, 0f);
  }

  /** Fills {@code tensor} with ones. */
  public static Tensor ones(Tensor tensor) {
    return constant(tensor, 1f);
  }

  /** Xavier (Glorot) uniform with gain 1. */
  public static Tensor xavierUniform(Tensor tensor, RandomGenerator random) {
    return xavierUniform(tensor, 1.0, random);
  }

  /**
   * Xavier (Glorot) uniform initialisation.
   *
   * <pre>
   *   bound = gain * sqrt(6 / (fanIn + fanOut)),  values ~ U(-bound, bound)
   * </pre>
   */
  public static Tensor xavierUniform(Tensor tensor, double gain, RandomGenerator random) {
    int[] fans = fans("xavierUniform", tensor);
    double bound = gain * Math.sqrt(6.0 / (fans[0] + fans[1]));
    return uniform(tensor, -bound, bound, random);
  }

  /** Xavier (Glorot) normal with gain 1. */
  public static Tensor xavierNormal(Tensor tensor, RandomGenerator random) {
    return xavierNormal(tensor, 1.0, random);
  }

  /**
   * Xavier (Glorot) normal initialisation.
   *
   * <pre>
   *   std = gain * sqrt(2 / (fanIn + fanOut)),  values ~ N(0, std²)
   * </pre>
   */
  public static Tensor xavierNormal(Tensor tensor, double gain, RandomGenerator random) {
    int[] fans = fans("xavierNormal", tensor);
    return normal(tensor, 0, gain * Math.sqrt(2.0 / (fans[0] + fans[1])), random);
  }

  /** Kaiming (He) uniform for ReLU: {@code a = 0}, fan-in mode. */
  public static Tensor kaimingUniform(Tensor tensor, RandomGenerator random) {
    return kaimingUniform(tensor, 0, FanMode.FAN_IN, random);
  }

  /**
   * Kaiming (He) uniform initialisation for a leaky-ReLU of negative slope {@code a} ({@code a = 0}
   * is ReLU; PyTorch's Linear default is {@code a = sqrt(5)}).
   *
   * <pre>
   *   gain = sqrt(2 / (1 + a²)),  bound = gain * sqrt(3 / fan),  values ~ U(-bound, bound)
   * </pre>
   */
  public static Tensor kaimingUniform(
      Tensor tensor, double a, FanMode mode, RandomGenerator random) {
    double bound = kaimingStd("kaimingUniform", tensor, a, mode) * Math.sqrt(3.0);
    return uniform(tensor, -bound, bound, random);
  }

  /** Kaiming (He) normal for ReLU: {@code a = 0}, fan-in mode. */
  public static Tensor kaimingNormal(Tensor tensor, RandomGenerator random) {
    return kaimingNormal(tensor, 0, FanMode.FAN_IN, random);
  }

  /**
   * Kaiming (He) normal initialisation for a leaky-ReLU of negative slope {@code a}.
   *
   * <pre>
   *   gain = sqrt(2 / (1 + a²)),  std = gain / sqrt(fan),  values ~ N(0, std²)
   * </pre>
   */
  public static Tensor kaimingNormal(
      Tensor tensor, double a, FanMode mode, RandomGenerator random) {
    return normal(tensor, 0, kaimingStd("kaimingNormal", tensor, a, mode), random);
  }

  private static double kaimingStd(String op, Tensor tensor, double a, FanMode mode) {
    int[] fans = fans(op, tensor);
    int fan = mode == FanMode.FAN_IN ? fans[0] : fans[1];
    checkArgument(fan > 0, "Init.%s: zero fan for shape %s", op, Arrays.toString(tensor.shape()));
    return Math.sqrt(2.0 / (1 + a * a)) / Math.sqrt(fan);
  }

  /** Orthogonal initialisation with gain 1. */
  public static Tensor orthogonal(Tensor tensor, RandomGenerator random) {
    return orthogonal(tensor, 1.0, random);
  }

  /**
   * Orthogonal initialisation (Saxe et al.), as PyTorch's {@code orthogonal_}: the tensor, viewed
   * as a matrix {@code [rows = size(0), cols = numel / rows]}, gets orthonormal rows (if {@code
   * rows <= cols}) or orthonormal columns (otherwise), times {@code gain}.
   *
   * <p>A standard normal matrix is drawn (transposed to be tall) and orthonormalised by modified
   * Gram–Schmidt with re-orthogonalisation, in double precision. This is the Q of its QR
   * decomposition with a positive diagonal in R, the same distribution PyTorch draws from (the Haar
   * measure).
   */
  public static Tensor orthogonal(Tensor tensor, double gain, RandomGenerator random) {
    checkArgument(
        tensor.dim() >= 2,
        "Init.orthogonal: needs at least 2 dimensions, got shape %s",
        Arrays.toString(tensor.shape()));
    int rows = tensor.size(0);
    int cols = rows == 0 ? 0 : tensor.numel() / rows;
    if (tensor.numel() == 0) {
      return tensor;
    }
    // work on a tall matrix [m, n], m >= n, stored by columns: q[j] is column j
    boolean transposed = rows < cols;
    int m = Math.max(rows, cols);
    int n = Math.min(rows, cols);
    double[][] q = new double[n][m];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double v = random.nextGaussian();
        if (transposed) {
          q[r][c] = v; // column r of the tall matrix [cols, rows]
        } else {
          q[c][r] = v;
        }
      }
    }
    for (int j = 0; j < n; j++) {
      for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < j; k++) {
          double dot = 0;
          for (int i = 0; i < m; i++) {
            dot += q[k][i] * q[j][i];
          }
          for (int i = 0; i < m; i++) {
            q[j][i] -= dot * q[k][i];
          }
        }
      }
      double norm = 0;
      for (int i = 0; i < m; i++) {
        norm += q[j][i] * q[j][i];
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < m; i++) {
        q[j][i] /= norm;
      }
    }
    float[] values = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        values[r * cols + c] = (float) (gain * (transposed ? q[r][c] : q[c][r]));
      }
    }
    return overwrite(tensor, values);
  }

  /** {@code [fanIn, fanOut]} of a tensor shaped {@code [out, in, k...]}. */
  static int[] fans(String op, Tensor tensor) {
    int[] shape = tensor.shape();
    checkArgument(
        shape.length >= 2,
        "Init.%s: fan in and fan out need at least 2 dimensions, got shape %s",
        op,
        Arrays.toString(shape));
    int receptive = 1;
    for (int d = 2; d < shape.length; d++) {
      receptive *= shape[d];
    }
    return new int[] {shape[1] * receptive, shape[0] * receptive};
  }

  @SuppressWarnings("try") // the scope is used for its side effect
  private static Tensor overwrite(Tensor tensor, float[] values) {
    try (var scope = Autograd.noGrad()) {
      tensor.copyFrom(Tensor.of(values, tensor.shape()));
    }
    return tensor;
  }

  /**
   * Chrono initialisation (Tallec and Ollivier, 2018) of a gated recurrent network's biases, so
   * that its memories start out lasting up to {@code maxSteps} steps instead of about one.
   *
   * <pre>
   *   per hidden unit j:  b_j = log(u_j),  u_j ~ U(1, maxSteps - 1)
   *   LSTM (gates i, f, g, o):  bias_ih[f] = b,  bias_ih[i] = -b,  bias_hh[f] = bias_hh[i] = 0
   *   GRU  (gates r, z, n):     bias_ih[z] = b,  bias_hh[z] = 0     (z keeps the old state)
   * </pre>
   *
   * <p>With PyTorch's default initialisation the forget gate starts near 1/2, so a gradient shrinks
   * by about half per step until training opens the gate; on tasks with long delays that can take
   * very many updates. Applies to every layer and direction of an {@link Lstm} or {@link Gru}, or
   * to an {@link LstmCell} or {@link GruCell}; draws one value per unit in parameter order.
   *
   * @throws IllegalArgumentException for other modules, a module without biases, or {@code maxSteps
   *     < 2}
   */
  public static void chrono(Block recurrent, int maxSteps, RandomGenerator random) {
    checkArgument(maxSteps >= 2, "chrono: maxSteps must be at least 2, got %s", maxSteps);
    boolean lstm = recurrent instanceof Lstm || recurrent instanceof LstmCell;
    boolean gru = recurrent instanceof Gru || recurrent instanceof GruCell;
    checkArgument(
        lstm || gru,
        "chrono: needs an LSTM or a GRU (layer or cell), got %s",
        recurrent.getClass().getSimpleName());
    int gates = lstm ? 4 : 3;
    var parameters = recurrent.namedParameters();
    int found = 0;
    for (var e : parameters.entrySet()) {
      if (!e.getKey().startsWith("bias_ih")) {
        continue;
      }
      Tensor biasIh = e.getValue();
      Tensor biasHh = parameters.get("bias_hh" + e.getKey().substring("bias_ih".length()));
      int h = biasIh.numel() / gates;
      float[] ih = biasIh.toFloatArray();
      float[] hh = biasHh.toFloatArray();
      for (int j = 0; j < h; j++) {
        float forget = (float) Math.log(1 + (maxSteps - 2) * random.nextDouble());
        ih[h + j] = forget;
        hh[h + j] = 0;
        if (lstm) {
          ih[j] = -forget;
          hh[j] = 0;
        }
      }
      try (var scope = Autograd.noGrad()) {
        biasIh.copyFrom(Tensor.of(ih, ih.length));
        biasHh.copyFrom(Tensor.of(hh, hh.length));
      }
      found++;
    }
    checkArgument(found > 0, "chrono: %s has no biases", recurrent.getClass().getSimpleName());
  }
}
