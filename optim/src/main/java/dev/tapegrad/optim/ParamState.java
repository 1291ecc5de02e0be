package dev.tapegrad.optim;

import dev.tapegrad.autograd.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** What an optimizer remembers about one parameter: its update count and its buffers. */
final class ParamState {
  /**
   * A buffer an optimizer keeps per parameter, by PyTorch name; {@code nonNegative} for second
   * moments and sums of squares, which loading checks as well as finiteness.
   */
  record Buffer(String name, boolean nonNegative) {}

  /** Updates this parameter has received, counting the one in progress. */
  long step;

  /** Buffers by PyTorch name ({@code exp_avg}, {@code momentum_buffer}, ...), insertion-ordered. */
  final Map<String, Tensor> buffers = new LinkedHashMap<>();

  /** The named buffer, created as {@code value}s shaped like {@code param} on first use. */
  Tensor buffer(String name, Tensor param, float value) {
    return buffers.computeIfAbsent(name, k -> Tensor.full(value, param.shape()));
  }

  Tensor buffer(String name, Tensor param) {
    return buffer(name, param, 0f);
  }
}
