package dev.tapegrad.autograd.kernel;

import static dev.tapegrad.autograd.kernel.Transcendentals.ATANH;
import static dev.tapegrad.autograd.kernel.Transcendentals.ATANH_LONG;
import static dev.tapegrad.autograd.kernel.Transcendentals.COS;
import static dev.tapegrad.autograd.kernel.Transcendentals.EXP;
import static dev.tapegrad.autograd.kernel.Transcendentals.EXP_MAX;
import static dev.tapegrad.autograd.kernel.Transcendentals.EXP_MIN;
import static dev.tapegrad.autograd.kernel.Transcendentals.INV_SQRT_2PI;
import static dev.tapegrad.autograd.kernel.Transcendentals.LN2;
import static dev.tapegrad.autograd.kernel.Transcendentals.LOG2E_D;
import static dev.tapegrad.autograd.kernel.Transcendentals.PIO2_1;
import static dev.tapegrad.autograd.kernel.Transcendentals.PIO2_2;
import static dev.tapegrad.autograd.kernel.Transcendentals.PIO2_3;
import static dev.tapegrad.autograd.kernel.Transcendentals.SHIFT_D;
import static dev.tapegrad.autograd.kernel.Transcendentals.SIGMOID_MAX;
import static dev.tapegrad.autograd.kernel.Transcendentals.SIN;
import static dev.tapegrad.autograd.kernel.Transcendentals.SQRT2;
import static dev.tapegrad.autograd.kernel.Transcendentals.TANH;
import static dev.tapegrad.autograd.kernel.Transcendentals.TANH_MAX;
import static dev.tapegrad.autograd.kernel.Transcendentals.TANH_SERIES;
import static dev.tapegrad.autograd.kernel.Transcendentals.TRIG_MAX;
import static dev.tapegrad.autograd.kernel.Transcendentals.TWO_OVER_PI_D;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Transcendentals} on the Vector API: the same operations in the same order, lane by lane,
 * so every lane holds exactly the bits the scalar function returns.
 *
 * <p>Why not {@code VectorOperators.EXP} and its kin: C2 compiles them to a vendor library whose
 * results differ by an ulp from the Java code the interpreter runs, so a result depended on how
 * warm the JIT was. Each function here works on {@code LANES} floats at a time, one float vector of
 * the preferred shape, in two halves of {@code LANES / 2} double lanes: the lower half is widened
 * directly ({@code F2D}, part 0), the upper one after {@link #HALVES} has swapped the two halves.
 * Each half is evaluated on double lanes and rounded back once ({@code D2F}, part 0, which leaves
 * the upper half of the float vector zero); the upper half's result is swapped back into place by
 * the same shuffle, and the halves are joined by or-ing their bits, which is exact for every value,
 * signed zeros and NaNs included (adding would turn -0 into +0). Integer work (powers of two,
 * exponents, quadrants) is done on the doubles' own bits, as long lanes of the same shape. Lanes
 * that are NaN ({@code v != v}) are restored at the end; sin and cos hand a whole float vector to
 * the scalar function if any lane is beyond the range their reduction covers.
 *
 * <p>Each method processes the largest multiple of {@link #LANES} elements of {@code n} and returns
 * that count; the caller finishes the rest with the scalar functions.
 *
 * <p>Why only one float shape, the preferred one, although widening a float vector of half the
 * width would give one double vector directly: the JDK's shared {@code FloatVector} methods (such
 * as {@code intoArray}, which calls {@code length()} and {@code vspecies()} virtually) carry one
 * type profile for the whole JVM. A second float shape makes those calls polymorphic ({@code
 * -XX:+PrintInlining} shows both {@code Float512Vector} and {@code Float256Vector}, then "failed to
 * inline (intrinsic)"), and every Vector API kernel C2 compiles afterwards boxes its vectors: once
 * any transcendental had run hot, a 1024-cubed {@link PanamaGemm} product went from about 16 ms to
 * about 70 ms and an LSTM training step took about twice as long ({@code VectorShapeTest} checks
 * that kernels compiled after the transcendentals allocate nothing). Only the float, double, int
 * and long species of the preferred shape appear here, as in every other kernel.
 *
 * <p>Why the code is written out, one flat loop per function with no helper methods, and each
 * half's maths twice in the loop body: the Vector API only becomes machine vectors if C2 inlines
 * every call down to its intrinsics, with every species a constant. Its own methods are
 * {@code @ForceInline}, so C2 keeps inlining them however big the loop grows, but a helper of ours
 * is refused once the compilation passes its node budget ({@code NodeCountInliningCutoff}), and a
 * vector passed to or returned from a call that is not inlined is boxed on the heap: sigmoid with a
 * helper for the half took 1.6 times as long. A two-pass loop over the halves keeps the part number
 * from being a constant, and took 3.3 times as long (5.4 against 1.6 ns an element).
 *
 * <p>For the same reason, only operations that C2 on JDK 17 turned into registers in every
 * function, whatever order they were compiled in (allocation-free calls, {@code VectorShapeTest}):
 *
 * <ul>
 *   <li>the halves move by {@code rearrange} with a constant shuffle, not by the parts 1 and -1 of
 *       {@code convertShape}: those slice the vector with a shuffle built on each call, which was
 *       boxed, 48 bytes an iteration, in each function compiled after the first;
 *   <li>NaN lanes are found as {@code v.compare(NE, v)}, not {@code v.test(IS_NAN)}, which casts an
 *       int mask to a float mask and was boxed in the same way;
 *   <li>the bit tricks reinterpret through constant species ({@code reinterpretShape(LONGS, 0)},
 *       {@code reinterpretAsDoubles}), since {@code viewAsIntegralLanes}/{@code
 *       viewAsFloatingLanes} look the species up through a method that is not force-inlined and so
 *       can leave it non-constant ({@code -XX:+PrintIntrinsics}: "missing constant"), and masks are
 *       never cast between shapes.
 * </ul>
 *
 * <p>Horner's scheme is unrolled by hand, its coefficient counts matching the arrays in {@link
 * Transcendentals} (a mismatch fails {@code PanamaTranscendentalsTest} bit for bit). {@code
 * benchmarks/TranscendentalBenchmark} measures the result against the Vector API's own exp and
 * tanh.
 */
final class PanamaTranscendentals {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

  /** Floats per vector: each loop iteration loads, evaluates and stores this many. */
  static final int LANES = FLOATS.length();

  /** Doubles of the same shape: half as many lanes, so each float vector is two of them. */
  private static final VectorSpecies<Double> DOUBLES =
      VectorSpecies.of(double.class, FLOATS.vectorShape());

  /** The doubles' bits, for exponent and sign tricks: same shape, so reinterpreting is free. */
  private static final VectorSpecies<Long> LONGS =
      VectorSpecies.of(long.class, FLOATS.vectorShape());

  /** The floats' bits, to join the two narrowed halves exactly. */
  private static final VectorSpecies<Integer> INTS =
      VectorSpecies.of(int.class, FLOATS.vectorShape());

  /** Swaps the two halves of a float vector: lane j takes lane (j + LANES / 2) mod LANES. */
  private static final VectorShuffle<Float> HALVES = VectorShuffle.iota(FLOATS, LANES / 2, 1, true);

  private PanamaTranscendentals() {}

  static int exp(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = FloatVector.fromArray(FLOATS, x, xOff + i);
      IntVector lower;
      { // the lower half of v's lanes
        DoubleVector xd = (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector c = xd.max(EXP_MIN).min(EXP_MAX); // NaN stays NaN, restored below
        // e = Transcendentals.expCore(c), written out (see the class note)
        DoubleVector t = c.mul(LOG2E_D).add(SHIFT_D);
        DoubleVector r = c.sub(t.sub(SHIFT_D).mul(LN2));
        DoubleVector p = r.mul(EXP[0]).add(EXP[1]);
        p = p.mul(r).add(EXP[2]);
        p = p.mul(r).add(EXP[3]);
        p = p.mul(r).add(EXP[4]);
        p = p.mul(r).add(EXP[5]);
        p = p.mul(r).add(EXP[6]);
        p = p.mul(r).add(EXP[7]);
        p = p.mul(r).add(EXP[8]);
        p = p.mul(r).add(EXP[9]);
        p = p.mul(r).add(EXP[10]);
        p = p.mul(r).add(EXP[11]);
        LongVector scale =
            ((LongVector) t.reinterpretShape(LONGS, 0))
                .add(1023L)
                .lanewise(VectorOperators.LSHL, 52L);
        DoubleVector e = p.mul(scale.reinterpretAsDoubles());
        lower =
            (IntVector) e.convertShape(VectorOperators.D2F, FLOATS, 0).reinterpretShape(INTS, 0);
      }
      IntVector upper;
      { // the upper half: the same code
        DoubleVector xd =
            (DoubleVector) v.rearrange(HALVES).convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector c = xd.max(EXP_MIN).min(EXP_MAX); // NaN stays NaN, restored below
        // e = Transcendentals.expCore(c), written out (see the class note)
        DoubleVector t = c.mul(LOG2E_D).add(SHIFT_D);
        DoubleVector r = c.sub(t.sub(SHIFT_D).mul(LN2));
        DoubleVector p = r.mul(EXP[0]).add(EXP[1]);
        p = p.mul(r).add(EXP[2]);
        p = p.mul(r).add(EXP[3]);
        p = p.mul(r).add(EXP[4]);
        p = p.mul(r).add(EXP[5]);
        p = p.mul(r).add(EXP[6]);
        p = p.mul(r).add(EXP[7]);
        p = p.mul(r).add(EXP[8]);
        p = p.mul(r).add(EXP[9]);
        p = p.mul(r).add(EXP[10]);
        p = p.mul(r).add(EXP[11]);
        LongVector scale =
            ((LongVector) t.reinterpretShape(LONGS, 0))
                .add(1023L)
                .lanewise(VectorOperators.LSHL, 52L);
        DoubleVector e = p.mul(scale.reinterpretAsDoubles());
        upper =
            (IntVector)
                ((FloatVector) e.convertShape(VectorOperators.D2F, FLOATS, 0))
                    .rearrange(HALVES)
                    .reinterpretShape(INTS, 0);
      }
      FloatVector result = (FloatVector) lower.or(upper).reinterpretShape(FLOATS, 0);
      result.blend(v, v.compare(VectorOperators.NE, v)).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int log(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = FloatVector.fromArray(FLOATS, x, xOff + i);
      IntVector lower;
      { // the lower half of v's lanes
        DoubleVector xd = (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0);
        // x = 2^e m from the double's bits: every float, subnormals too, is a normal double, and
        // its m and e are those the scalar finds after scaling subnormals (same values, so same
        // bits); e is made a double exactly as (2^52 + biased e) - (2^52 + 1023)
        LongVector b = (LongVector) xd.reinterpretShape(LONGS, 0);
        DoubleVector e =
            b.lanewise(VectorOperators.LSHR, 52L)
                .or(0x4330000000000000L)
                .reinterpretAsDoubles()
                .sub(0x1p52 + 1023);
        DoubleVector m = b.and(0x000fffffffffffffL).or(0x3ff0000000000000L).reinterpretAsDoubles();
        VectorMask<Double> high = m.compare(VectorOperators.GT, SQRT2);
        m = m.blend(m.mul(0.5), high);
        e = e.blend(e.add(1), high);
        DoubleVector f = m.sub(1);
        DoubleVector s = f.div(f.add(2));
        DoubleVector z = s.mul(s);
        DoubleVector h = z.mul(ATANH[0]).add(ATANH[1]);
        h = h.mul(z).add(ATANH[2]);
        h = h.mul(z).add(ATANH[3]);
        h = h.mul(z).add(ATANH[4]);
        h = h.mul(z).add(ATANH[5]);
        h = h.mul(z).add(ATANH[6]);
        h = h.mul(z).add(ATANH[7]);
        DoubleVector q = e.mul(LN2).add(s.add(s.mul(z.mul(h))).mul(2));
        // the special cases, as in the scalar: x <= 0, NaN, +inf
        q = q.blend(Double.NaN, xd.compare(VectorOperators.GT, 0).not());
        q = q.blend(Double.NEGATIVE_INFINITY, xd.compare(VectorOperators.EQ, 0));
        q = q.blend(xd, xd.compare(VectorOperators.EQ, Double.POSITIVE_INFINITY));
        lower =
            (IntVector) q.convertShape(VectorOperators.D2F, FLOATS, 0).reinterpretShape(INTS, 0);
      }
      IntVector upper;
      { // the upper half: the same code
        DoubleVector xd =
            (DoubleVector) v.rearrange(HALVES).convertShape(VectorOperators.F2D, DOUBLES, 0);
        // x = 2^e m from the double's bits: every float, subnormals too, is a normal double, and
        // its m and e are those the scalar finds after scaling subnormals (same values, so same
        // bits); e is made a double exactly as (2^52 + biased e) - (2^52 + 1023)
        LongVector b = (LongVector) xd.reinterpretShape(LONGS, 0);
        DoubleVector e =
            b.lanewise(VectorOperators.LSHR, 52L)
                .or(0x4330000000000000L)
                .reinterpretAsDoubles()
                .sub(0x1p52 + 1023);
        DoubleVector m = b.and(0x000fffffffffffffL).or(0x3ff0000000000000L).reinterpretAsDoubles();
        VectorMask<Double> high = m.compare(VectorOperators.GT, SQRT2);
        m = m.blend(m.mul(0.5), high);
        e = e.blend(e.add(1), high);
        DoubleVector f = m.sub(1);
        DoubleVector s = f.div(f.add(2));
        DoubleVector z = s.mul(s);
        DoubleVector h = z.mul(ATANH[0]).add(ATANH[1]);
        h = h.mul(z).add(ATANH[2]);
        h = h.mul(z).add(ATANH[3]);
        h = h.mul(z).add(ATANH[4]);
        h = h.mul(z).add(ATANH[5]);
        h = h.mul(z).add(ATANH[6]);
        h = h.mul(z).add(ATANH[7]);
        DoubleVector q = e.mul(LN2).add(s.add(s.mul(z.mul(h))).mul(2));
        // the special cases, as in the scalar: x <= 0, NaN, +inf
        q = q.blend(Double.NaN, xd.compare(VectorOperators.GT, 0).not());
        q = q.blend(Double.NEGATIVE_INFINITY, xd.compare(VectorOperators.EQ, 0));
        q = q.blend(xd, xd.compare(VectorOperators.EQ, Double.POSITIVE_INFINITY));
        upper =
            (IntVector)
                ((FloatVector) q.convertShape(VectorOperators.D2F, FLOATS, 0))
                    .rearrange(HALVES)
                    .reinterpretShape(INTS, 0);
      }
      FloatVector result = (FloatVector) lower.or(upper).reinterpretShape(FLOATS, 0);
      result.blend(v, v.compare(VectorOperators.NE, v)).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int tanh(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = FloatVector.fromArray(FLOATS, x, xOff + i);
      IntVector lower;
      { // the lower half of v's lanes
        DoubleVector xd = (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector a = xd.abs();
        DoubleVector z = xd.mul(xd);
        DoubleVector h = z.mul(TANH[0]).add(TANH[1]);
        h = h.mul(z).add(TANH[2]);
        h = h.mul(z).add(TANH[3]);
        h = h.mul(z).add(TANH[4]);
        DoubleVector series = xd.add(xd.mul(z.mul(h)));
        DoubleVector twice = a.min(TANH_MAX).mul(2);
        // e = Transcendentals.expCore(twice), written out (see the class note)
        DoubleVector t = twice.mul(LOG2E_D).add(SHIFT_D);
        DoubleVector r = twice.sub(t.sub(SHIFT_D).mul(LN2));
        DoubleVector p = r.mul(EXP[0]).add(EXP[1]);
        p = p.mul(r).add(EXP[2]);
        p = p.mul(r).add(EXP[3]);
        p = p.mul(r).add(EXP[4]);
        p = p.mul(r).add(EXP[5]);
        p = p.mul(r).add(EXP[6]);
        p = p.mul(r).add(EXP[7]);
        p = p.mul(r).add(EXP[8]);
        p = p.mul(r).add(EXP[9]);
        p = p.mul(r).add(EXP[10]);
        p = p.mul(r).add(EXP[11]);
        LongVector scale =
            ((LongVector) t.reinterpretShape(LONGS, 0))
                .add(1023L)
                .lanewise(VectorOperators.LSHL, 52L);
        DoubleVector e = p.mul(scale.reinterpretAsDoubles());
        DoubleVector q = e.sub(1).div(e.add(1));
        q = q.blend(q.neg(), xd.compare(VectorOperators.LT, 0));
        q = q.blend(series, a.compare(VectorOperators.LT, TANH_SERIES));
        q = q.blend(xd, xd.compare(VectorOperators.EQ, 0)); // signed zeros are their own tanh
        lower =
            (IntVector) q.convertShape(VectorOperators.D2F, FLOATS, 0).reinterpretShape(INTS, 0);
      }
      IntVector upper;
      { // the upper half: the same code
        DoubleVector xd =
            (DoubleVector) v.rearrange(HALVES).convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector a = xd.abs();
        DoubleVector z = xd.mul(xd);
        DoubleVector h = z.mul(TANH[0]).add(TANH[1]);
        h = h.mul(z).add(TANH[2]);
        h = h.mul(z).add(TANH[3]);
        h = h.mul(z).add(TANH[4]);
        DoubleVector series = xd.add(xd.mul(z.mul(h)));
        DoubleVector twice = a.min(TANH_MAX).mul(2);
        // e = Transcendentals.expCore(twice), written out (see the class note)
        DoubleVector t = twice.mul(LOG2E_D).add(SHIFT_D);
        DoubleVector r = twice.sub(t.sub(SHIFT_D).mul(LN2));
        DoubleVector p = r.mul(EXP[0]).add(EXP[1]);
        p = p.mul(r).add(EXP[2]);
        p = p.mul(r).add(EXP[3]);
        p = p.mul(r).add(EXP[4]);
        p = p.mul(r).add(EXP[5]);
        p = p.mul(r).add(EXP[6]);
        p = p.mul(r).add(EXP[7]);
        p = p.mul(r).add(EXP[8]);
        p = p.mul(r).add(EXP[9]);
        p = p.mul(r).add(EXP[10]);
        p = p.mul(r).add(EXP[11]);
        LongVector scale =
            ((LongVector) t.reinterpretShape(LONGS, 0))
                .add(1023L)
                .lanewise(VectorOperators.LSHL, 52L);
        DoubleVector e = p.mul(scale.reinterpretAsDoubles());
        DoubleVector q = e.sub(1).div(e.add(1));
        q = q.blend(q.neg(), xd.compare(VectorOperators.LT, 0));
        q = q.blend(series, a.compare(VectorOperators.LT, TANH_SERIES));
        q = q.blend(xd, xd.compare(VectorOperators.EQ, 0)); // signed zeros are their own tanh
        upper =
            (IntVector)
                ((FloatVector) q.convertShape(VectorOperators.D2F, FLOATS, 0))
                    .rearrange(HALVES)
                    .reinterpretShape(INTS, 0);
      }
      FloatVector result = (FloatVector) lower.or(upper).reinterpretShape(FLOATS, 0);
      result.blend(v, v.compare(VectorOperators.NE, v)).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int sigmoid(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = FloatVector.fromArray(FLOATS, x, xOff + i);
      IntVector lower;
      { // the lower half of v's lanes
        DoubleVector xd = (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector a = xd.abs().min(SIGMOID_MAX).neg();
        // e = Transcendentals.expCore(a), written out (see the class note)
        DoubleVector t = a.mul(LOG2E_D).add(SHIFT_D);
        DoubleVector r = a.sub(t.sub(SHIFT_D).mul(LN2));
        DoubleVector p = r.mul(EXP[0]).add(EXP[1]);
        p = p.mul(r).add(EXP[2]);
        p = p.mul(r).add(EXP[3]);
        p = p.mul(r).add(EXP[4]);
        p = p.mul(r).add(EXP[5]);
        p = p.mul(r).add(EXP[6]);
        p = p.mul(r).add(EXP[7]);
        p = p.mul(r).add(EXP[8]);
        p = p.mul(r).add(EXP[9]);
        p = p.mul(r).add(EXP[10]);
        p = p.mul(r).add(EXP[11]);
        LongVector scale =
            ((LongVector) t.reinterpretShape(LONGS, 0))
                .add(1023L)
                .lanewise(VectorOperators.LSHL, 52L);
        DoubleVector e = p.mul(scale.reinterpretAsDoubles());
        DoubleVector numerator = e.blend(1, xd.compare(VectorOperators.GE, 0));
        DoubleVector q = numerator.div(e.add(1));
        lower =
            (IntVector) q.convertShape(VectorOperators.D2F, FLOATS, 0).reinterpretShape(INTS, 0);
      }
      IntVector upper;
      { // the upper half: the same code
        DoubleVector xd =
            (DoubleVector) v.rearrange(HALVES).convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector a = xd.abs().min(SIGMOID_MAX).neg();
        // e = Transcendentals.expCore(a), written out (see the class note)
        DoubleVector t = a.mul(LOG2E_D).add(SHIFT_D);
        DoubleVector r = a.sub(t.sub(SHIFT_D).mul(LN2));
        DoubleVector p = r.mul(EXP[0]).add(EXP[1]);
        p = p.mul(r).add(EXP[2]);
        p = p.mul(r).add(EXP[3]);
        p = p.mul(r).add(EXP[4]);
        p = p.mul(r).add(EXP[5]);
        p = p.mul(r).add(EXP[6]);
        p = p.mul(r).add(EXP[7]);
        p = p.mul(r).add(EXP[8]);
        p = p.mul(r).add(EXP[9]);
        p = p.mul(r).add(EXP[10]);
        p = p.mul(r).add(EXP[11]);
        LongVector scale =
            ((LongVector) t.reinterpretShape(LONGS, 0))
                .add(1023L)
                .lanewise(VectorOperators.LSHL, 52L);
        DoubleVector e = p.mul(scale.reinterpretAsDoubles());
        DoubleVector numerator = e.blend(1, xd.compare(VectorOperators.GE, 0));
        DoubleVector q = numerator.div(e.add(1));
        upper =
            (IntVector)
                ((FloatVector) q.convertShape(VectorOperators.D2F, FLOATS, 0))
                    .rearrange(HALVES)
                    .reinterpretShape(INTS, 0);
      }
      FloatVector result = (FloatVector) lower.or(upper).reinterpretShape(FLOATS, 0);
      result.blend(v, v.compare(VectorOperators.NE, v)).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int softplus(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = FloatVector.fromArray(FLOATS, x, xOff + i);
      IntVector lower;
      { // the lower half of v's lanes
        DoubleVector xd = (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector a = xd.abs().min(SIGMOID_MAX).neg();
        // e = Transcendentals.expCore(a), written out (see the class note)
        DoubleVector t = a.mul(LOG2E_D).add(SHIFT_D);
        DoubleVector r = a.sub(t.sub(SHIFT_D).mul(LN2));
        DoubleVector p = r.mul(EXP[0]).add(EXP[1]);
        p = p.mul(r).add(EXP[2]);
        p = p.mul(r).add(EXP[3]);
        p = p.mul(r).add(EXP[4]);
        p = p.mul(r).add(EXP[5]);
        p = p.mul(r).add(EXP[6]);
        p = p.mul(r).add(EXP[7]);
        p = p.mul(r).add(EXP[8]);
        p = p.mul(r).add(EXP[9]);
        p = p.mul(r).add(EXP[10]);
        p = p.mul(r).add(EXP[11]);
        LongVector scale =
            ((LongVector) t.reinterpretShape(LONGS, 0))
                .add(1023L)
                .lanewise(VectorOperators.LSHL, 52L);
        DoubleVector e = p.mul(scale.reinterpretAsDoubles());
        DoubleVector s = e.div(e.add(2));
        DoubleVector z = s.mul(s);
        DoubleVector h = z.mul(ATANH_LONG[0]).add(ATANH_LONG[1]);
        h = h.mul(z).add(ATANH_LONG[2]);
        h = h.mul(z).add(ATANH_LONG[3]);
        h = h.mul(z).add(ATANH_LONG[4]);
        h = h.mul(z).add(ATANH_LONG[5]);
        h = h.mul(z).add(ATANH_LONG[6]);
        h = h.mul(z).add(ATANH_LONG[7]);
        h = h.mul(z).add(ATANH_LONG[8]);
        h = h.mul(z).add(ATANH_LONG[9]);
        h = h.mul(z).add(ATANH_LONG[10]);
        h = h.mul(z).add(ATANH_LONG[11]);
        h = h.mul(z).add(ATANH_LONG[12]);
        h = h.mul(z).add(ATANH_LONG[13]);
        DoubleVector log1p = s.add(s.mul(z.mul(h))).mul(2);
        DoubleVector q = xd.max(0).add(log1p);
        lower =
            (IntVector) q.convertShape(VectorOperators.D2F, FLOATS, 0).reinterpretShape(INTS, 0);
      }
      IntVector upper;
      { // the upper half: the same code
        DoubleVector xd =
            (DoubleVector) v.rearrange(HALVES).convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector a = xd.abs().min(SIGMOID_MAX).neg();
        // e = Transcendentals.expCore(a), written out (see the class note)
        DoubleVector t = a.mul(LOG2E_D).add(SHIFT_D);
        DoubleVector r = a.sub(t.sub(SHIFT_D).mul(LN2));
        DoubleVector p = r.mul(EXP[0]).add(EXP[1]);
        p = p.mul(r).add(EXP[2]);
        p = p.mul(r).add(EXP[3]);
        p = p.mul(r).add(EXP[4]);
        p = p.mul(r).add(EXP[5]);
        p = p.mul(r).add(EXP[6]);
        p = p.mul(r).add(EXP[7]);
        p = p.mul(r).add(EXP[8]);
        p = p.mul(r).add(EXP[9]);
        p = p.mul(r).add(EXP[10]);
        p = p.mul(r).add(EXP[11]);
        LongVector scale =
            ((LongVector) t.reinterpretShape(LONGS, 0))
                .add(1023L)
                .lanewise(VectorOperators.LSHL, 52L);
        DoubleVector e = p.mul(scale.reinterpretAsDoubles());
        DoubleVector s = e.div(e.add(2));
        DoubleVector z = s.mul(s);
        DoubleVector h = z.mul(ATANH_LONG[0]).add(ATANH_LONG[1]);
        h = h.mul(z).add(ATANH_LONG[2]);
        h = h.mul(z).add(ATANH_LONG[3]);
        h = h.mul(z).add(ATANH_LONG[4]);
        h = h.mul(z).add(ATANH_LONG[5]);
        h = h.mul(z).add(ATANH_LONG[6]);
        h = h.mul(z).add(ATANH_LONG[7]);
        h = h.mul(z).add(ATANH_LONG[8]);
        h = h.mul(z).add(ATANH_LONG[9]);
        h = h.mul(z).add(ATANH_LONG[10]);
        h = h.mul(z).add(ATANH_LONG[11]);
        h = h.mul(z).add(ATANH_LONG[12]);
        h = h.mul(z).add(ATANH_LONG[13]);
        DoubleVector log1p = s.add(s.mul(z.mul(h))).mul(2);
        DoubleVector q = xd.max(0).add(log1p);
        upper =
            (IntVector)
                ((FloatVector) q.convertShape(VectorOperators.D2F, FLOATS, 0))
                    .rearrange(HALVES)
                    .reinterpretShape(INTS, 0);
      }
      FloatVector result = (FloatVector) lower.or(upper).reinterpretShape(FLOATS, 0);
      result.blend(v, v.compare(VectorOperators.NE, v)).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int normalPdf(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = FloatVector.fromArray(FLOATS, x, xOff + i);
      IntVector lower;
      { // the lower half of v's lanes
        DoubleVector xd = (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector d = xd.mul(xd).mul(-0.5).max(EXP_MIN);
        // e = Transcendentals.expCore(d), written out (see the class note)
        DoubleVector t = d.mul(LOG2E_D).add(SHIFT_D);
        DoubleVector r = d.sub(t.sub(SHIFT_D).mul(LN2));
        DoubleVector p = r.mul(EXP[0]).add(EXP[1]);
        p = p.mul(r).add(EXP[2]);
        p = p.mul(r).add(EXP[3]);
        p = p.mul(r).add(EXP[4]);
        p = p.mul(r).add(EXP[5]);
        p = p.mul(r).add(EXP[6]);
        p = p.mul(r).add(EXP[7]);
        p = p.mul(r).add(EXP[8]);
        p = p.mul(r).add(EXP[9]);
        p = p.mul(r).add(EXP[10]);
        p = p.mul(r).add(EXP[11]);
        LongVector scale =
            ((LongVector) t.reinterpretShape(LONGS, 0))
                .add(1023L)
                .lanewise(VectorOperators.LSHL, 52L);
        DoubleVector e = p.mul(scale.reinterpretAsDoubles());
        DoubleVector q = e.mul(INV_SQRT_2PI);
        lower =
            (IntVector) q.convertShape(VectorOperators.D2F, FLOATS, 0).reinterpretShape(INTS, 0);
      }
      IntVector upper;
      { // the upper half: the same code
        DoubleVector xd =
            (DoubleVector) v.rearrange(HALVES).convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector d = xd.mul(xd).mul(-0.5).max(EXP_MIN);
        // e = Transcendentals.expCore(d), written out (see the class note)
        DoubleVector t = d.mul(LOG2E_D).add(SHIFT_D);
        DoubleVector r = d.sub(t.sub(SHIFT_D).mul(LN2));
        DoubleVector p = r.mul(EXP[0]).add(EXP[1]);
        p = p.mul(r).add(EXP[2]);
        p = p.mul(r).add(EXP[3]);
        p = p.mul(r).add(EXP[4]);
        p = p.mul(r).add(EXP[5]);
        p = p.mul(r).add(EXP[6]);
        p = p.mul(r).add(EXP[7]);
        p = p.mul(r).add(EXP[8]);
        p = p.mul(r).add(EXP[9]);
        p = p.mul(r).add(EXP[10]);
        p = p.mul(r).add(EXP[11]);
        LongVector scale =
            ((LongVector) t.reinterpretShape(LONGS, 0))
                .add(1023L)
                .lanewise(VectorOperators.LSHL, 52L);
        DoubleVector e = p.mul(scale.reinterpretAsDoubles());
        DoubleVector q = e.mul(INV_SQRT_2PI);
        upper =
            (IntVector)
                ((FloatVector) q.convertShape(VectorOperators.D2F, FLOATS, 0))
                    .rearrange(HALVES)
                    .reinterpretShape(INTS, 0);
      }
      FloatVector result = (FloatVector) lower.or(upper).reinterpretShape(FLOATS, 0);
      result.blend(v, v.compare(VectorOperators.NE, v)).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int sin(float[] x, int xOff, float[] out, int outOff, int n) {
    return trig(x, xOff, out, outOff, n, 0);
  }

  static int cos(float[] x, int xOff, float[] out, int outOff, int n) {
    return trig(x, xOff, out, outOff, n, 1);
  }

  private static int trig(float[] x, int xOff, float[] out, int outOff, int n, int quarter) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = FloatVector.fromArray(FLOATS, x, xOff + i);
      if (!v.abs().compare(VectorOperators.LE, TRIG_MAX).allTrue()) {
        // NaN, infinity or a huge argument: the scalar function, which takes StrictMath there
        for (int j = 0; j < LANES; j++) {
          float xj = x[xOff + i + j];
          out[outOff + i + j] = quarter == 0 ? Transcendentals.sin(xj) : Transcendentals.cos(xj);
        }
        continue;
      }
      IntVector lower;
      { // the lower half of v's lanes
        DoubleVector xd = (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector t = xd.mul(TWO_OVER_PI_D).add(SHIFT_D);
        LongVector q = ((LongVector) t.reinterpretShape(LONGS, 0)).add(quarter);
        DoubleVector k = t.sub(SHIFT_D);
        DoubleVector r = xd.sub(k.mul(PIO2_1)).sub(k.mul(PIO2_2)).sub(k.mul(PIO2_3));
        DoubleVector z = r.mul(r);
        DoubleVector hs = z.mul(SIN[0]).add(SIN[1]);
        hs = hs.mul(z).add(SIN[2]);
        hs = hs.mul(z).add(SIN[3]);
        hs = hs.mul(z).add(SIN[4]);
        hs = hs.mul(z).add(SIN[5]);
        hs = hs.mul(z).add(SIN[6]);
        DoubleVector hc = z.mul(COS[0]).add(COS[1]);
        hc = hc.mul(z).add(COS[2]);
        hc = hc.mul(z).add(COS[3]);
        hc = hc.mul(z).add(COS[4]);
        hc = hc.mul(z).add(COS[5]);
        hc = hc.mul(z).add(COS[6]);
        hc = hc.mul(z).add(COS[7]);
        DoubleVector sinR = r.add(r.mul(z.mul(hs)));
        DoubleVector cosR = z.mul(hc).add(1);
        // choose and negate on the bits: a long mask and a sign-bit xor, no mask conversion
        LongVector value =
            ((LongVector) sinR.reinterpretShape(LONGS, 0))
                .blend(
                    (LongVector) cosR.reinterpretShape(LONGS, 0),
                    q.and(1L).compare(VectorOperators.NE, 0L))
                .lanewise(VectorOperators.XOR, q.and(2L).lanewise(VectorOperators.LSHL, 62L));
        lower =
            (IntVector)
                value
                    .reinterpretAsDoubles()
                    .convertShape(VectorOperators.D2F, FLOATS, 0)
                    .reinterpretShape(INTS, 0);
      }
      IntVector upper;
      { // the upper half: the same code
        DoubleVector xd =
            (DoubleVector) v.rearrange(HALVES).convertShape(VectorOperators.F2D, DOUBLES, 0);
        DoubleVector t = xd.mul(TWO_OVER_PI_D).add(SHIFT_D);
        LongVector q = ((LongVector) t.reinterpretShape(LONGS, 0)).add(quarter);
        DoubleVector k = t.sub(SHIFT_D);
        DoubleVector r = xd.sub(k.mul(PIO2_1)).sub(k.mul(PIO2_2)).sub(k.mul(PIO2_3));
        DoubleVector z = r.mul(r);
        DoubleVector hs = z.mul(SIN[0]).add(SIN[1]);
        hs = hs.mul(z).add(SIN[2]);
        hs = hs.mul(z).add(SIN[3]);
        hs = hs.mul(z).add(SIN[4]);
        hs = hs.mul(z).add(SIN[5]);
        hs = hs.mul(z).add(SIN[6]);
        DoubleVector hc = z.mul(COS[0]).add(COS[1]);
        hc = hc.mul(z).add(COS[2]);
        hc = hc.mul(z).add(COS[3]);
        hc = hc.mul(z).add(COS[4]);
        hc = hc.mul(z).add(COS[5]);
        hc = hc.mul(z).add(COS[6]);
        hc = hc.mul(z).add(COS[7]);
        DoubleVector sinR = r.add(r.mul(z.mul(hs)));
        DoubleVector cosR = z.mul(hc).add(1);
        // choose and negate on the bits: a long mask and a sign-bit xor, no mask conversion
        LongVector value =
            ((LongVector) sinR.reinterpretShape(LONGS, 0))
                .blend(
                    (LongVector) cosR.reinterpretShape(LONGS, 0),
                    q.and(1L).compare(VectorOperators.NE, 0L))
                .lanewise(VectorOperators.XOR, q.and(2L).lanewise(VectorOperators.LSHL, 62L));
        upper =
            (IntVector)
                ((FloatVector)
                        value.reinterpretAsDoubles().convertShape(VectorOperators.D2F, FLOATS, 0))
                    .rearrange(HALVES)
                    .reinterpretShape(INTS, 0);
      }
      FloatVector result = (FloatVector) lower.or(upper).reinterpretShape(FLOATS, 0);
      if (quarter == 0) {
        result = result.blend(v, v.compare(VectorOperators.EQ, 0f)); // sin(-0) = -0
      }
      result.intoArray(out, outOff + i);
    }
    return bound;
  }
}
