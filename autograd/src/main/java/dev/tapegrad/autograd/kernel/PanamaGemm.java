package dev.tapegrad.autograd.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix product on the Vector API, in the GotoBLAS/BLIS layout.
 *
 * <p>Three levels of blocking keep each operand in the cache level that suits it: a {@code KC x NC}
 * block of {@code op(b)} is packed once (into {@code NR}-column strips, L3/L2), an {@code MC x KC}
 * block of {@code op(a)} is packed per row block ({@code MR}-row strips, L2), and the micro-kernel
 * multiplies one {@code MR x KC} strip by one {@code KC x NR} strip (L1), keeping the whole {@code
 * MR x NR} tile of {@code c} in vector registers: 6 rows by 2 vectors is 12 accumulators, plus 2
 * loads of {@code b} and 1 broadcast of {@code a}, which fits the 16 registers of AVX2. Packing
 * also removes every transpose: the micro-kernel sees one layout.
 *
 * <p>Small or skinny products (a batch of one, a matrix-vector product, an outer product) skip the
 * packing, which would cost as much as the product itself, and run register-blocked loops directly
 * on the operands. Large products split the rows (or columns) of {@code c} between {@link
 * KernelThreads}; each part packs its own panels into buffers its thread keeps, so the parts never
 * synchronise and a product allocates nothing.
 *
 * <p>Speed depends on the machine's vector width and caches: {@code MatmulBenchmark} and {@code
 * ThreadsBenchmark} in {@code benchmarks} measure it.
 */
final class PanamaGemm {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  /** Rows of the register tile. */
  static final int MR = 6;

  /** Columns of the register tile: two vectors. */
  static final int NR = 2 * LANES;

  /** Depth of a packed block: an {@code MR x KC} and a {@code KC x NR} strip fit in L1 together. */
  static final int KC = 256;

  /** Rows of a packed block of {@code a}, a multiple of {@code MR}; the block fits in L2. */
  static final int MC = 144;

  /**
   * Columns of a packed block of {@code b}, a multiple of {@code NR}: 1 MB packed, the most a
   * thread keeps between calls.
   */
  static final int NC = 1024;

  /**
   * A row-major {@code a} is read in place, not packed, against a block of {@code b} at most this
   * many columns wide: each packed strip of {@code a} would serve at most four strips of {@code b}.
   */
  private static final int IN_PLACE_COLUMNS = 4 * NR;

  /** ... or at most this deep, where packing costs as much as the few multiply-adds per element. */
  private static final int IN_PLACE_DEPTH = 64;

  /**
   * Below this many multiply-adds, a plain loop: as fast, and it keeps the many tiny products of a
   * test suite off vector code that is slow until C2 has compiled it.
   */
  private static final long SCALAR_WORK = 1024;

  /** Below this many multiply-adds, packing costs more than it saves. */
  private static final long DIRECT_WORK = 16 * 16 * 16;

  /**
   * From this many multiply-adds on (a product of 224 cubed), a product is split between threads.
   * Measured on the 2-core development machine once the helpers waited awake between jobs ({@link
   * KernelThreads#SPIN_NANOS}), 3 JVMs, medians of 1 vs 2 threads: 192 cubed about even (110 vs 115
   * µs), 224 cubed 160 vs 115 µs, 256 cubed 250 vs 200 µs, 288 cubed 400 vs 290 µs; before the
   * helpers spun, a second thread did not pay below 256 cubed. A recurrent layer's per-step
   * products never reach this: its batch entries are split instead ({@link KernelThreads#rows}).
   */
  static final long PARALLEL_WORK = 224L * 224 * 224;

  /** Each thread's packing buffers, kept between calls so that a product allocates nothing. */
  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  private PanamaGemm() {}

  static void gemm(
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      boolean transA,
      float[] b,
      int bOff,
      boolean transB,
      float[] c,
      int cOff) {
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      Arrays.fill(c, cOff, cOff + m * n, 0f);
      return;
    }
    Operands o = new Operands(m, n, k, a, aOff, transA, b, bOff, transB, c, cOff);
    long work = (long) m * n * k;
    if (work < SCALAR_WORK) {
      scalar(o);
      return;
    }
    if (work <= DIRECT_WORK || m < MR || n < LANES || k < MR) {
      if (direct(o)) {
        return;
      }
    }
    int threads = KernelThreads.threads();
    if (threads > 1 && work >= PARALLEL_WORK) {
      parallel(o, threads);
    } else {
      blocked(o, 0, m, 0, n);
    }
  }

  /** The arguments of one product, so the helpers below take few parameters. */
  private static final class Operands {
    final int m;
    final int n;
    final int k;
    final float[] a;
    final int aOff;
    final boolean transA;
    final float[] b;
    final int bOff;
    final boolean transB;
    final float[] c;
    final int cOff;

    Operands(
        int m,
        int n,
        int k,
        float[] a,
        int aOff,
        boolean transA,
        float[] b,
        int bOff,
        boolean transB,
        float[] c,
        int cOff) {
      this.m = m;
      this.n = n;
      this.k = k;
      this.a = a;
      this.aOff = aOff;
      this.transA = transA;
      this.b = b;
      this.bOff = bOff;
      this.transB = transB;
      this.c = c;
      this.cOff = cOff;
    }
  }

  /**
   * Splits the longer side of {@code c} into one part per thread, aligned to the tile. Each part
   * packs its own panels. Every element of {@code c} is accumulated over the same depth blocks in
   * the same order whatever the split, so the result does not depend on the thread count.
   */
  private static void parallel(Operands o, int threads) {
    boolean byRows = (long) o.m * NR >= (long) o.n * MR;
    int extent = byRows ? o.m : o.n;
    int unit = byRows ? MR : NR;
    int units = (extent + unit - 1) / unit;
    int parts = Math.min(threads, units);
    int[] bounds = new int[parts + 1];
    for (int t = 0; t <= parts; t++) {
      bounds[t] = Math.min(extent, (int) ((long) units * t / parts) * unit);
    }
    KernelThreads.run(
        parts,
        t -> {
          if (byRows) {
            blocked(o, bounds[t], bounds[t + 1], 0, o.n);
          } else {
            blocked(o, 0, o.m, bounds[t], bounds[t + 1]);
          }
        });
  }

  /** Packing buffers of one thread, grown to the largest block it has packed. */
  private static final class Buffers {
    float[] a = new float[0];
    float[] b = new float[0];
    final float[] edge = new float[MR * NR];

    float[] a(int size) {
      if (a.length < size) {
        a = new float[size];
      }
      return a;
    }

    float[] b(int size) {
      if (b.length < size) {
        b = new float[size];
      }
      return b;
    }
  }

  /** Computes rows {@code [i0, i1)} and columns {@code [j0, j1)} of {@code c}. */
  private static void blocked(Operands o, int i0, int i1, int j0, int j1) {
    blocked(o, i0, i1, j0, j1, null);
  }

  /**
   * Computes rows {@code [i0, i1)} and columns {@code [j0, j1)} of {@code c}, taking the blocks of
   * {@code op(b)} from {@code prepacked} (then {@code j0} is 0 and {@code a} is read in place)
   * instead of packing them.
   */
  private static void blocked(Operands o, int i0, int i1, int j0, int j1, Packed prepacked) {
    int kcMax = Math.min(KC, o.k);
    Buffers buffers = BUFFERS.get();
    float[] packedA =
        prepacked != null ? null : buffers.a(roundUp(Math.min(MC, i1 - i0), MR) * kcMax);
    float[] packedB =
        prepacked != null ? prepacked.data : buffers.b(roundUp(Math.min(NC, j1 - j0), NR) * kcMax);
    float[] edge = buffers.edge;
    int block = 0;
    for (int jc = j0; jc < j1; jc += NC) {
      int nc = Math.min(NC, j1 - jc);
      for (int pc = 0; pc < o.k; pc += KC, block++) {
        int kc = Math.min(KC, o.k - pc);
        boolean accumulate = pc > 0;
        int base = 0;
        if (prepacked == null) {
          packB(o, pc, kc, jc, nc, packedB, 0);
        } else {
          base = prepacked.offsets[block];
        }
        for (int ic = i0; ic < i1; ic += MC) {
          int mc = Math.min(MC, i1 - ic);
          // a row-major a is read in place when packing it would not pay: few strips of b reuse
          // each packed strip, or the strips are shallow (measured: [2048 x 512] x [512 x 32]
          // went from 89 to 124-144 GF/s, [2048 x 32] x [32 x 512] from 101 to 110-156), and
          // always against a prepacked b, whose products have few rows (a recurrent step's
          // batch: packing them cost a sixth of a training step)
          boolean inPlace =
              !o.transA && (prepacked != null || nc <= IN_PLACE_COLUMNS || kc <= IN_PLACE_DEPTH);
          if (!inPlace) {
            packA(o, ic, mc, pc, kc, packedA);
          }
          for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            for (int ir = 0; ir < mc; ir += MR) {
              int mr = Math.min(MR, mc - ir);
              int ci = o.cOff + (ic + ir) * o.n + jc + jr;
              kernel(
                  kc,
                  inPlace ? o.a : packedA,
                  inPlace ? o.aOff + (ic + ir) * o.k + pc : ir * kc,
                  inPlace ? o.k : 1,
                  inPlace ? 1 : MR,
                  packedB,
                  base + jr * kc,
                  o.c,
                  ci,
                  o.n,
                  mr,
                  nr,
                  accumulate,
                  edge);
            }
          }
        }
      }
    }
  }

  /**
   * {@code op(b)} packed whole, as {@link #blocked} packs it one block at a time: for each block of
   * {@code NC} columns and, within it, each block of {@code KC} depths, its {@code NR}-column
   * strips.
   */
  static final class Packed extends PackedMatrix {
    final float[] data;

    /** Where block (jc / NC, pc / KC) starts in {@code data}, indexed jc-major. */
    final int[] offsets;

    Packed(int k, int n, float[] data, int[] offsets) {
      super(k, n);
      this.data = data;
      this.offsets = offsets;
    }
  }

  static Packed pack(int k, int n, float[] b, int bOff, boolean transB) {
    Operands o = new Operands(0, n, k, null, 0, false, b, bOff, transB, null, 0);
    int depthBlocks = (k + KC - 1) / KC;
    int columnBlocks = (n + NC - 1) / NC;
    int[] offsets = new int[columnBlocks * depthBlocks];
    long size = 0;
    for (int jc = 0, q = 0; jc < n; jc += NC) {
      int ncPadded = roundUp(Math.min(NC, n - jc), NR);
      for (int pc = 0; pc < k; pc += KC, q++) {
        offsets[q] = Math.toIntExact(size);
        size += (long) ncPadded * Math.min(KC, k - pc);
      }
    }
    float[] data = new float[Math.toIntExact(size)];
    for (int jc = 0, q = 0; jc < n; jc += NC) {
      int nc = Math.min(NC, n - jc);
      for (int pc = 0; pc < k; pc += KC, q++) {
        packB(o, pc, Math.min(KC, k - pc), jc, nc, data, offsets[q]);
      }
    }
    return new Packed(k, n, data, offsets);
  }

  /**
   * {@code c = a op(b)} with {@code op(b)} packed: always the blocked path, whose every element of
   * {@code c} is accumulated over the same depth blocks in the same order whatever {@code m} is, so
   * rows taken in any groups give the same bits. One thread: the caller splits. {@code a} is read
   * in place, row by row, not packed: the products this serves have few rows (a recurrent step's
   * batch), and packing them cost a sixth of a training step.
   */
  static void gemm(int m, float[] a, int aOff, Packed pb, float[] c, int cOff) {
    int n = pb.columns();
    int k = pb.depth();
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      Arrays.fill(c, cOff, cOff + m * n, 0f);
      return;
    }
    blocked(new Operands(m, n, k, a, aOff, false, null, 0, false, c, cOff), 0, m, 0, n, pb);
  }

  private static int roundUp(int x, int unit) {
    return (x + unit - 1) / unit * unit;
  }

  /**
   * Packs rows {@code [ic, ic + mc)} and depths {@code [pc, pc + kc)} of {@code op(a)} as strips of
   * {@code MR} rows, each stored depth-major ({@code MR} values per depth), zero-padded.
   */
  private static void packA(Operands o, int ic, int mc, int pc, int kc, float[] packed) {
    float[] a = o.a;
    for (int ir = 0; ir < mc; ir += MR) {
      int mr = Math.min(MR, mc - ir);
      int dst = ir * kc;
      if (!o.transA && mr == MR) {
        // the six rows side by side, so the strip is written in order
        int s0 = o.aOff + (ic + ir) * o.k + pc;
        for (int p = 0, d = dst; p < kc; p++, d += MR) {
          int s = s0 + p;
          packed[d] = a[s];
          packed[d + 1] = a[s + o.k];
          packed[d + 2] = a[s + 2 * o.k];
          packed[d + 3] = a[s + 3 * o.k];
          packed[d + 4] = a[s + 4 * o.k];
          packed[d + 5] = a[s + 5 * o.k];
        }
      } else if (!o.transA) {
        for (int r = 0; r < mr; r++) {
          int src = o.aOff + (ic + ir + r) * o.k + pc;
          for (int p = 0, d = dst + r; p < kc; p++, d += MR) {
            packed[d] = a[src + p];
          }
        }
      } else if (mr == MR) {
        // six floats per depth: a plain loop, where arraycopy's call cost more than the copy
        for (int p = 0, src = o.aOff + pc * o.m + ic + ir, d = dst; p < kc; p++, d += MR) {
          packed[d] = a[src];
          packed[d + 1] = a[src + 1];
          packed[d + 2] = a[src + 2];
          packed[d + 3] = a[src + 3];
          packed[d + 4] = a[src + 4];
          packed[d + 5] = a[src + 5];
          src += o.m;
        }
      } else {
        for (int p = 0; p < kc; p++) {
          System.arraycopy(a, o.aOff + (pc + p) * o.m + ic + ir, packed, dst + p * MR, mr);
        }
      }
      if (mr < MR) {
        for (int p = 0; p < kc; p++) {
          Arrays.fill(packed, dst + p * MR + mr, dst + p * MR + MR, 0f);
        }
      }
    }
  }

  /**
   * Packs depths {@code [pc, pc + kc)} and columns {@code [jc, jc + nc)} of {@code op(b)} as strips
   * of {@code NR} columns, each stored depth-major ({@code NR} values per depth), zero-padded.
   */
  private static void packB(Operands o, int pc, int kc, int jc, int nc, float[] packed, int base) {
    float[] b = o.b;
    for (int jr = 0; jr < nc; jr += NR) {
      int nr = Math.min(NR, nc - jr);
      int dst = base + jr * kc;
      if (!o.transB) {
        int src = o.bOff + pc * o.n + jc + jr;
        if (nr == NR) {
          for (int p = 0; p < kc; p++, src += o.n) {
            FloatVector.fromArray(SPECIES, b, src).intoArray(packed, dst + p * NR);
            FloatVector.fromArray(SPECIES, b, src + LANES).intoArray(packed, dst + p * NR + LANES);
          }
        } else {
          for (int p = 0; p < kc; p++, src += o.n) {
            System.arraycopy(b, src, packed, dst + p * NR, nr);
            Arrays.fill(packed, dst + p * NR + nr, dst + p * NR + NR, 0f);
          }
        }
      } else {
        for (int j = 0; j < nr; j++) {
          int src = o.bOff + (jc + jr + j) * o.k + pc;
          for (int p = 0, d = dst + j; p < kc; p++, d += NR) {
            packed[d] = b[src + p];
          }
        }
        if (nr < NR) {
          for (int p = 0; p < kc; p++) {
            Arrays.fill(packed, dst + p * NR + nr, dst + p * NR + NR, 0f);
          }
        }
      }
    }
  }

  /**
   * {@code c[0..mr, 0..nr) (+)= a-strip * b-strip} over depth {@code kc}, the tile held in
   * registers. A partial tile is computed whole on the zero padding and only its valid part
   * written, through {@code edge}.
   */
  private static void kernel(
      int kc,
      float[] pa,
      int ao,
      int rowStride,
      int depthStride,
      float[] pb,
      int bo,
      float[] c,
      int ci,
      int ldc,
      int mr,
      int nr,
      boolean accumulate,
      float[] edge) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    // rows past mr repeat the last valid one (packed strips hold zeros there): computed, not stored
    int a0 = ao;
    int a1 = ao + Math.min(1, mr - 1) * rowStride;
    int a2 = ao + Math.min(2, mr - 1) * rowStride;
    int a3 = ao + Math.min(3, mr - 1) * rowStride;
    int a4 = ao + Math.min(4, mr - 1) * rowStride;
    int a5 = ao + Math.min(5, mr - 1) * rowStride;
    for (int p = 0, q = 0; p < kc; p++, q += depthStride, bo += NR) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bo);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bo + LANES);
      FloatVector x = FloatVector.broadcast(SPECIES, pa[a0 + q]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(SPECIES, pa[a1 + q]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(SPECIES, pa[a2 + q]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(SPECIES, pa[a3 + q]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(SPECIES, pa[a4 + q]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(SPECIES, pa[a5 + q]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    if (mr == MR && nr == NR) {
      store(c00, c01, c, ci, accumulate);
      store(c10, c11, c, ci + ldc, accumulate);
      store(c20, c21, c, ci + 2 * ldc, accumulate);
      store(c30, c31, c, ci + 3 * ldc, accumulate);
      store(c40, c41, c, ci + 4 * ldc, accumulate);
      store(c50, c51, c, ci + 5 * ldc, accumulate);
      return;
    }
    c00.intoArray(edge, 0);
    c01.intoArray(edge, LANES);
    c10.intoArray(edge, NR);
    c11.intoArray(edge, NR + LANES);
    c20.intoArray(edge, 2 * NR);
    c21.intoArray(edge, 2 * NR + LANES);
    c30.intoArray(edge, 3 * NR);
    c31.intoArray(edge, 3 * NR + LANES);
    c40.intoArray(edge, 4 * NR);
    c41.intoArray(edge, 4 * NR + LANES);
    c50.intoArray(edge, 5 * NR);
    c51.intoArray(edge, 5 * NR + LANES);
    for (int r = 0; r < mr; r++) {
      int row = ci + r * ldc;
      for (int j = 0; j < nr; j++) {
        c[row + j] = accumulate ? c[row + j] + edge[r * NR + j] : edge[r * NR + j];
      }
    }
  }

  private static void store(FloatVector v0, FloatVector v1, float[] c, int at, boolean accumulate) {
    if (accumulate) {
      v0 = v0.add(FloatVector.fromArray(SPECIES, c, at));
      v1 = v1.add(FloatVector.fromArray(SPECIES, c, at + LANES));
    }
    v0.intoArray(c, at);
    v1.intoArray(c, at + LANES);
  }

  // ---- products too small or too skinny to pack ----

  /**
   * Runs the product without packing when an operand layout allows a unit-stride vector loop;
   * returns false (having done nothing) otherwise.
   */
  private static boolean direct(Operands o) {
    if (!o.transB && o.n >= LANES) {
      rowsTimesB(o);
      return true;
    }
    if ((o.transB || o.n == 1) && (!o.transA || o.m == 1)) {
      rowDots(o);
      return true;
    }
    if (o.m * (long) o.n * o.k <= DIRECT_WORK) {
      scalar(o);
      return true;
    }
    return false;
  }

  /**
   * {@code c[i, :] = sum_p op(a)[i, p] * b[p, :]} with {@code b} row-major: each row of {@code c}
   * is built four vectors at a time in registers, streaming the rows of {@code b}.
   */
  private static void rowsTimesB(Operands o) {
    int m = o.m;
    int n = o.n;
    int k = o.k;
    float[] a = o.a;
    float[] b = o.b;
    float[] c = o.c;
    int strideA = o.transA ? m : 1;
    int rowA = o.transA ? 1 : k;
    int wide = 4 * LANES;
    for (int i = 0; i < m; i++) {
      int ai = o.aOff + i * rowA;
      int ci = o.cOff + i * n;
      int j = 0;
      for (; j + wide <= n; j += wide) {
        FloatVector s0 = FloatVector.zero(SPECIES);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        for (int p = 0, ap = ai, bp = o.bOff + j; p < k; p++, ap += strideA, bp += n) {
          FloatVector x = FloatVector.broadcast(SPECIES, a[ap]);
          s0 = x.fma(FloatVector.fromArray(SPECIES, b, bp), s0);
          s1 = x.fma(FloatVector.fromArray(SPECIES, b, bp + LANES), s1);
          s2 = x.fma(FloatVector.fromArray(SPECIES, b, bp + 2 * LANES), s2);
          s3 = x.fma(FloatVector.fromArray(SPECIES, b, bp + 3 * LANES), s3);
        }
        s0.intoArray(c, ci + j);
        s1.intoArray(c, ci + j + LANES);
        s2.intoArray(c, ci + j + 2 * LANES);
        s3.intoArray(c, ci + j + 3 * LANES);
      }
      for (; j + LANES <= n; j += LANES) {
        FloatVector s = FloatVector.zero(SPECIES);
        for (int p = 0, ap = ai, bp = o.bOff + j; p < k; p++, ap += strideA, bp += n) {
          s = FloatVector.broadcast(SPECIES, a[ap]).fma(FloatVector.fromArray(SPECIES, b, bp), s);
        }
        s.intoArray(c, ci + j);
      }
      for (; j < n; j++) {
        float s = 0f;
        for (int p = 0, ap = ai, bp = o.bOff + j; p < k; p++, ap += strideA, bp += n) {
          s = Math.fma(a[ap], b[bp], s);
        }
        c[ci + j] = s;
      }
    }
  }

  /**
   * {@code c[i, j] = dot(row i of op(a), column j of op(b))} when both run along unit stride in
   * memory: four columns at a time share each load of the row.
   */
  private static void rowDots(Operands o) {
    int m = o.m;
    int n = o.n;
    int k = o.k;
    float[] a = o.a;
    float[] b = o.b;
    float[] c = o.c;
    int bound = SPECIES.loopBound(k);
    for (int i = 0; i < m; i++) {
      int ai = o.aOff + i * k;
      int ci = o.cOff + i * n;
      int j = 0;
      for (; j + 4 <= n; j += 4) {
        int b0 = o.bOff + j * k;
        int b1 = b0 + k;
        int b2 = b1 + k;
        int b3 = b2 + k;
        FloatVector s0 = FloatVector.zero(SPECIES);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        int p = 0;
        for (; p < bound; p += LANES) {
          FloatVector x = FloatVector.fromArray(SPECIES, a, ai + p);
          s0 = x.fma(FloatVector.fromArray(SPECIES, b, b0 + p), s0);
          s1 = x.fma(FloatVector.fromArray(SPECIES, b, b1 + p), s1);
          s2 = x.fma(FloatVector.fromArray(SPECIES, b, b2 + p), s2);
          s3 = x.fma(FloatVector.fromArray(SPECIES, b, b3 + p), s3);
        }
        float t0 = sumLanes(s0);
        float t1 = sumLanes(s1);
        float t2 = sumLanes(s2);
        float t3 = sumLanes(s3);
        for (; p < k; p++) {
          float x = a[ai + p];
          t0 = Math.fma(x, b[b0 + p], t0);
          t1 = Math.fma(x, b[b1 + p], t1);
          t2 = Math.fma(x, b[b2 + p], t2);
          t3 = Math.fma(x, b[b3 + p], t3);
        }
        c[ci + j] = t0;
        c[ci + j + 1] = t1;
        c[ci + j + 2] = t2;
        c[ci + j + 3] = t3;
      }
      for (; j < n; j++) {
        int bj = o.bOff + j * k;
        FloatVector s = FloatVector.zero(SPECIES);
        int p = 0;
        for (; p < bound; p += LANES) {
          FloatVector x = FloatVector.fromArray(SPECIES, a, ai + p);
          s = x.fma(FloatVector.fromArray(SPECIES, b, bj + p), s);
        }
        float t = sumLanes(s);
        for (; p < k; p++) {
          t = Math.fma(a[ai + p], b[bj + p], t);
        }
        c[ci + j] = t;
      }
    }
  }

  /** The plain triple loop, for products of a few thousand multiply-adds at most. */
  private static void scalar(Operands o) {
    for (int i = 0; i < o.m; i++) {
      for (int j = 0; j < o.n; j++) {
        float s = 0f;
        for (int p = 0; p < o.k; p++) {
          float x = o.transA ? o.a[o.aOff + p * o.m + i] : o.a[o.aOff + i * o.k + p];
          float y = o.transB ? o.b[o.bOff + j * o.k + p] : o.b[o.bOff + p * o.n + j];
          s = Math.fma(x, y, s);
        }
        o.c[o.cOff + i * o.n + j] = s;
      }
    }
  }

  /**
   * The lanes of {@code v} added in lane order. Not {@code reduceLanes(ADD)}, whose order for
   * floating-point lanes is unspecified: the interpreter adds in sequence and C2 in a tree, so its
   * last bits would depend on the JIT state.
   */
  static float sumLanes(FloatVector v) {
    float t = 0f;
    for (int i = 0; i < LANES; i++) {
      t += v.lane(i);
    }
    return t;
  }
}
