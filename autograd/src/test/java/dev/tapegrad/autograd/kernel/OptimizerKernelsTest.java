package dev.tapegrad.autograd.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fused optimizer updates: the Vector API provider against the reference, bit for bit (cold and
 * after the JIT has compiled them), and the reference against the same update written as separate
 * passes (one array operation at a time, as the composed tensor ops do it), on every combination of
 * options, on lengths around the vector width and on NaN, infinities and signed zeros.
 */
class OptimizerKernelsTest {
  private static final int[] LENGTHS = {0, 1, 7, 8, 31, 32, 33, 100};
  private final Kernels reference = new JavaKernels();
  private final Kernels panama = KernelProvider.create("panama");
  private final Random random = new Random(7);

  private float[] values(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    float[] special = {
      Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1e-30f
    };
    for (int i = 0; i < n; i += 11) {
      v[i] = special[(i / 11) % special.length];
    }
    return v;
  }

  private float[] positive(int n) {
    float[] v = values(n);
    for (int i = 0; i < n; i++) {
      v[i] = Float.isNaN(v[i]) ? v[i] : Math.abs(v[i]);
    }
    return v;
  }

  private static float[] copy(float[] a) {
    return a == null ? null : a.clone();
  }

  private static void same(String what, float[] expected, float[] actual) {
    if (expected == null) {
      assertEquals(null, actual, what);
      return;
    }
    int[] e = new int[expected.length];
    int[] a = new int[actual.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = Float.floatToIntBits(expected[i]);
      a[i] = Float.floatToIntBits(actual[i]);
    }
    assertArrayEquals(e, a, what);
  }

  // The updates as passes over whole arrays, each one float operation of PyTorch's sequence.

  private static float[] neg(float[] g, boolean maximize) {
    float[] out = g.clone();
    if (maximize) {
      for (int i = 0; i < out.length; i++) {
        out[i] = -out[i];
      }
    }
    return out;
  }

  private static void addScaled(float[] y, float alpha, float[] x) {
    for (int i = 0; i < y.length; i++) {
      y[i] = y[i] + alpha * x[i];
    }
  }

  private static void scale(float[] y, float factor) {
    for (int i = 0; i < y.length; i++) {
      y[i] = y[i] * factor;
    }
  }

  private static float[] l2(float[] g, float[] p, float wd) {
    float[] out = new float[g.length];
    for (int i = 0; i < g.length; i++) {
      out[i] = g[i] + p[i] * wd;
    }
    return out;
  }

  @Test
  void sgdMatchesAcrossProvidersAndAgainstSeparatePasses() {
    for (int n : LENGTHS) {
      for (int flags = 0; flags < 32; flags++) {
        boolean maximize = (flags & 1) != 0;
        boolean l2 = (flags & 2) != 0;
        boolean momentum = (flags & 4) != 0;
        boolean nesterov = (flags & 8) != 0;
        boolean first = (flags & 16) != 0;
        String what = "sgd n=" + n + " flags=" + flags;
        float[] p = values(n);
        float[] g = values(n);
        float[] b = momentum ? values(n) : null;
        float wd = 0.01f;
        float mom = 0.9f;
        float damp = 0.75f;
        float negLr = -0.1f;

        float[] p1 = copy(p);
        float[] b1 = copy(b);
        reference.sgdStep(p1, g, b1, n, maximize, l2, wd, mom, damp, nesterov, first, negLr);
        float[] p2 = copy(p);
        float[] b2 = copy(b);
        panama.sgdStep(p2, g, b2, n, maximize, l2, wd, mom, damp, nesterov, first, negLr);
        same(what + " param, providers", p1, p2);
        same(what + " buffer, providers", b1, b2);

        float[] gg = neg(g, maximize);
        if (l2) {
          gg = l2(gg, p, wd);
        }
        float[] p3 = copy(p);
        float[] b3 = copy(b);
        if (b3 != null) {
          if (first) {
            System.arraycopy(gg, 0, b3, 0, n);
          } else {
            scale(b3, mom);
            addScaled(b3, damp, gg);
          }
          if (nesterov) {
            addScaled(gg, mom, b3);
          } else {
            gg = b3;
          }
        }
        addScaled(p3, negLr, gg);
        same(what + " param, separate passes", p3, p1);
        same(what + " buffer, separate passes", b3, b1);
      }
    }
  }

  @Test
  void adamMatchesAcrossProvidersAndAgainstSeparatePasses() {
    for (int n : LENGTHS) {
      for (int flags = 0; flags < 16; flags++) {
        boolean maximize = (flags & 1) != 0;
        boolean decoupled = (flags & 2) != 0;
        boolean l2 = (flags & 4) != 0 && !decoupled;
        boolean amsgrad = (flags & 8) != 0;
        String what = "adam n=" + n + " flags=" + flags;
        float[] p = values(n);
        float[] g = values(n);
        float[] m = values(n);
        float[] v = positive(n);
        float[] vMax = amsgrad ? positive(n) : null;
        float decay = 0.999f;
        float wd = 0.02f;
        float b1 = 0.9f;
        float b2 = 0.999f;
        float bc2 = 0.3f;
        float eps = 1e-8f;
        float negStep = -0.01f;

        float[][] r = {copy(p), copy(m), copy(v), copy(vMax)};
        reference.adamStep(
            r[0], g, r[1], r[2], r[3], n, maximize, decoupled, decay, l2, wd, b1, 0.1f, b2, 0.001f,
            bc2, eps, negStep);
        float[][] q = {copy(p), copy(m), copy(v), copy(vMax)};
        panama.adamStep(
            q[0], g, q[1], q[2], q[3], n, maximize, decoupled, decay, l2, wd, b1, 0.1f, b2, 0.001f,
            bc2, eps, negStep);
        for (int k = 0; k < 4; k++) {
          same(what + " array " + k + ", providers", r[k], q[k]);
        }

        float[] pp = copy(p);
        float[] gg = neg(g, maximize);
        if (decoupled) {
          scale(pp, decay);
        }
        if (l2) {
          gg = l2(gg, pp, wd);
        }
        float[] mm = copy(m);
        scale(mm, b1);
        addScaled(mm, 0.1f, gg);
        float[] vv = copy(v);
        scale(vv, b2);
        for (int i = 0; i < n; i++) {
          vv[i] = vv[i] + 0.001f * gg[i] * gg[i];
        }
        float[] second = vv;
        float[] vm = copy(vMax);
        if (vm != null) {
          for (int i = 0; i < n; i++) {
            vm[i] = Float.isNaN(vm[i]) || Float.isNaN(vv[i]) ? Float.NaN : Math.max(vm[i], vv[i]);
          }
          second = vm;
        }
        float[] denom = new float[n];
        for (int i = 0; i < n; i++) {
          denom[i] = (float) Math.sqrt(second[i]);
        }
        for (int i = 0; i < n; i++) {
          denom[i] = denom[i] / bc2;
        }
        for (int i = 0; i < n; i++) {
          denom[i] = denom[i] + eps;
        }
        for (int i = 0; i < n; i++) {
          pp[i] = pp[i] + negStep * mm[i] / denom[i];
        }
        float[][] s = {pp, mm, vv, vm};
        for (int k = 0; k < 4; k++) {
          same(what + " array " + k + ", separate passes", s[k], r[k]);
        }
      }
    }
  }

  @Test
  void rmsPropMatchesAcrossProvidersAndAgainstSeparatePasses() {
    for (int n : LENGTHS) {
      for (int flags = 0; flags < 16; flags++) {
        boolean maximize = (flags & 1) != 0;
        boolean l2 = (flags & 2) != 0;
        boolean centered = (flags & 4) != 0;
        boolean momentum = (flags & 8) != 0;
        String what = "rmsprop n=" + n + " flags=" + flags;
        float[] p = values(n);
        float[] g = values(n);
        float[] sq = positive(n);
        float[] ga = centered ? values(n) : null;
        float[] b = momentum ? values(n) : null;

        float[][] r = {copy(p), copy(sq), copy(ga), copy(b)};
        reference.rmsPropStep(
            r[0], g, r[1], r[2], r[3], n, maximize, l2, 0.01f, 0.99f, 0.01f, 1e-8f, 0.5f, -0.01f);
        float[][] q = {copy(p), copy(sq), copy(ga), copy(b)};
        panama.rmsPropStep(
            q[0], g, q[1], q[2], q[3], n, maximize, l2, 0.01f, 0.99f, 0.01f, 1e-8f, 0.5f, -0.01f);
        for (int k = 0; k < 4; k++) {
          same(what + " array " + k + ", providers", r[k], q[k]);
        }

        float[] gg = neg(g, maximize);
        if (l2) {
          gg = l2(gg, p, 0.01f);
        }
        float[] s = copy(sq);
        scale(s, 0.99f);
        for (int i = 0; i < n; i++) {
          s[i] = s[i] + 0.01f * gg[i] * gg[i];
        }
        float[] avg = new float[n];
        float[] a = copy(ga);
        if (a != null) {
          scale(a, 0.99f);
          addScaled(a, 0.01f, gg);
          for (int i = 0; i < n; i++) {
            avg[i] = (float) Math.sqrt(s[i] - a[i] * a[i]);
          }
        } else {
          for (int i = 0; i < n; i++) {
            avg[i] = (float) Math.sqrt(s[i]);
          }
        }
        for (int i = 0; i < n; i++) {
          avg[i] = avg[i] + 1e-8f;
        }
        float[] pp = copy(p);
        float[] bb = copy(b);
        if (bb != null) {
          scale(bb, 0.5f);
          for (int i = 0; i < n; i++) {
            bb[i] = bb[i] + 1f * gg[i] / avg[i];
          }
          addScaled(pp, -0.01f, bb);
        } else {
          for (int i = 0; i < n; i++) {
            pp[i] = pp[i] + -0.01f * gg[i] / avg[i];
          }
        }
        float[][] e = {pp, s, a, bb};
        for (int k = 0; k < 4; k++) {
          same(what + " array " + k + ", separate passes", e[k], r[k]);
        }
      }
    }
  }

  @Test
  void adagradMatchesAcrossProvidersAndAgainstSeparatePasses() {
    for (int n : LENGTHS) {
      for (int flags = 0; flags < 4; flags++) {
        boolean maximize = (flags & 1) != 0;
        boolean l2 = (flags & 2) != 0;
        String what = "adagrad n=" + n + " flags=" + flags;
        float[] p = values(n);
        float[] g = values(n);
        float[] sum = positive(n);

        float[] p1 = copy(p);
        float[] s1 = copy(sum);
        reference.adagradStep(p1, g, s1, n, maximize, l2, 0.01f, 1e-10f, -0.1f);
        float[] p2 = copy(p);
        float[] s2 = copy(sum);
        panama.adagradStep(p2, g, s2, n, maximize, l2, 0.01f, 1e-10f, -0.1f);
        same(what + " param, providers", p1, p2);
        same(what + " sum, providers", s1, s2);

        float[] gg = neg(g, maximize);
        if (l2) {
          gg = l2(gg, p, 0.01f);
        }
        float[] s3 = copy(sum);
        for (int i = 0; i < n; i++) {
          s3[i] = s3[i] + 1f * gg[i] * gg[i];
        }
        float[] std = new float[n];
        for (int i = 0; i < n; i++) {
          std[i] = (float) Math.sqrt(s3[i]) + 1e-10f;
        }
        float[] p3 = copy(p);
        for (int i = 0; i < n; i++) {
          p3[i] = p3[i] + -0.1f * gg[i] / std[i];
        }
        same(what + " param, separate passes", p3, p1);
        same(what + " sum, separate passes", s3, s1);
      }
    }
  }

  /** Repeated until the JIT has compiled both loops: the bits do not change with JIT state. */
  @Test
  void warmKernelsGiveTheSameBitsAsColdOnes() {
    int n = 1003;
    float[] p = values(n);
    float[] g = values(n);
    float[] m = values(n);
    float[] v = positive(n);
    float[] vMax = positive(n);
    float[][] first = null;
    for (int round = 0; round < 300; round++) {
      float[][] r = {copy(p), copy(m), copy(v), copy(vMax)};
      reference.adamStep(
          r[0],
          g,
          r[1],
          r[2],
          r[3],
          n,
          round % 2 == 0,
          false,
          1f,
          true,
          0.01f,
          0.9f,
          0.1f,
          0.999f,
          0.001f,
          0.5f,
          1e-8f,
          -0.01f);
      float[][] q = {copy(p), copy(m), copy(v), copy(vMax)};
      panama.adamStep(
          q[0],
          g,
          q[1],
          q[2],
          q[3],
          n,
          round % 2 == 0,
          false,
          1f,
          true,
          0.01f,
          0.9f,
          0.1f,
          0.999f,
          0.001f,
          0.5f,
          1e-8f,
          -0.01f);
      for (int k = 0; k < 4; k++) {
        same("round " + round + " array " + k, r[k], q[k]);
      }
      if (round == 0) {
        first = r;
      } else if (round % 2 == 0) {
        for (int k = 0; k < 4; k++) {
          same("round " + round + " against round 0, array " + k, first[k], r[k]);
        }
      }
    }
  }

  @Test
  void lengthZeroTouchesNothing() {
    float[] p = {1f, 2f};
    float[] before = Arrays.copyOf(p, 2);
    reference.adagradStep(p, new float[2], new float[2], 0, false, false, 0f, 1e-10f, -1f);
    panama.adagradStep(p, new float[2], new float[2], 0, false, false, 0f, 1e-10f, -1f);
    assertArrayEquals(before, p);
  }
}
