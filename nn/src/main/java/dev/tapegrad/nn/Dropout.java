package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import java.util.random.RandomGenerator;

/**
 * Inverted dropout, as PyTorch's {@code nn.Dropout}: in training mode each element is zeroed with
 * probability {@code p} and the survivors are scaled by {@code 1 / (1 - p)}; in evaluation mode the
 * input passes through unchanged.
 *
 * <p>Masks are drawn from the generator given to the constructor, which the layer keeps: a seeded
 * generator makes the sequence of masks reproducible (see {@link Init} for the seed convention).
 * Not thread-safe when the generator is not.
 */
public final class Dropout extends Layer {
  private final float p;
  private final RandomGenerator random;

  /** Dropout with probability {@code p} in {@code [0, 1]}. */
  public Dropout(float p, RandomGenerator random) {
    checkArgument(p >= 0 && p <= 1, "Dropout: probability must be in [0, 1], got %s", p);
    this.p = p;
    this.random = random;
  }

  /** Applies dropout in training mode; returns {@code input} itself in evaluation mode. */
  @Override
  public Tensor forward(Tensor input) {
    return Functional.dropout(input, p, isTraining(), random);
  }

  /** The probability of zeroing an element. */
  public float p() {
    return p;
  }

  @Override
  protected String extraRepr() {
    return "p=" + p;
  }
}
