package dev.tapegrad.data;

/**
 * Seeded permutations that are the same on every JVM: SplitMix64 (the generator behind {@code
 * java.util.SplittableRandom}, written out here so no JDK change can alter a shuffle) and a
 * Fisher–Yates shuffle with unbiased bounded draws (Lemire's multiply-and-reject).
 */
final class Shuffle {
  private long state;

  /**
   * The SplitMix64 generator whose state starts at {@code seed}, as {@code new
   * SplittableRandom(seed)}.
   */
  Shuffle(long seed) {
    state = seed;
  }

  /** The generator for {@code (seed, stream)}: each stream (an epoch, a split) is independent. */
  static Shuffle of(long seed, long stream) {
    Shuffle s = new Shuffle(seed);
    s.state = mix64(seed) ^ mix64(stream * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
    return s;
  }

  long nextLong() {
    state += 0x9E3779B97F4A7C15L;
    return mix64(state);
  }

  /** Uniform in {@code [0, bound)} for {@code 0 < bound <= 2^31 - 1}. */
  int nextInt(int bound) {
    long m = (nextLong() >>> 32) * bound;
    long low = m & 0xFFFFFFFFL;
    if (low < bound) {
      long threshold = (0x1_0000_0000L - bound) % bound;
      while (low < threshold) {
        m = (nextLong() >>> 32) * bound;
        low = m & 0xFFFFFFFFL;
      }
    }
    return (int) (m >>> 32);
  }

  /** {@code 0 .. n-1} in a random order. */
  int[] permutation(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    shuffle(p);
    return p;
  }

  void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
