package dev.tapegrad.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.tapegrad.autograd.Tensor;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs an exported model in ONNX Runtime and compares its outputs with tapegrad's. */
final class OrtCheck {
  /** Relative tolerance of the comparison. */
  static final double TOLERANCE = 1e-5;

  /**
   * Absolute floor for values near zero, where a relative bound means nothing; the largest
   * difference the tests see is about 1.5e-7.
   */
  static final double FLOOR = 1e-6;

  private OrtCheck() {}

  /** Runs {@code model} on the named inputs ({@link Tensor} or {@code int[]} lengths). */
  static List<Tensor> run(byte[] model, Map<String, Object> inputs) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(model, options)) {
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
          for (Map.Entry<String, Object> e : inputs.entrySet()) {
            if (e.getValue() instanceof Tensor t) {
              feed.put(
                  e.getKey(),
                  OnnxTensor.createTensor(
                      env, FloatBuffer.wrap(t.toFloatArray()), longs(t.shape())));
            } else {
              int[] l = (int[]) e.getValue();
              feed.put(
                  e.getKey(),
                  OnnxTensor.createTensor(env, IntBuffer.wrap(l), new long[] {l.length}));
            }
          }
          try (OrtSession.Result result = session.run(feed)) {
            List<Tensor> out = new ArrayList<>();
            for (Map.Entry<String, OnnxValue> e : result) {
              OnnxTensor t = (OnnxTensor) e.getValue();
              FloatBuffer fb = t.getFloatBuffer();
              float[] data = new float[fb.remaining()];
              fb.get(data);
              long[] shape = t.getInfo().getShape();
              int[] ints = new int[shape.length];
              for (int i = 0; i < ints.length; i++) {
                ints[i] = (int) shape[i];
              }
              out.add(Tensor.of(data, ints));
            }
            return out;
          }
        } finally {
          feed.values().forEach(OnnxTensor::close);
        }
      }
    }
  }

  /**
   * Asserts ONNX Runtime's outputs equal tapegrad's, shape for shape, to {@link #TOLERANCE}
   * relative plus {@link #FLOOR} ({@code torch.allclose}'s form).
   */
  static void assertClose(List<Tensor> expected, List<Tensor> actual) {
    assertEquals(expected.size(), actual.size(), "number of outputs");
    for (int i = 0; i < expected.size(); i++) {
      Tensor e = expected.get(i);
      Tensor a = actual.get(i);
      assertArrayEquals(e.shape(), a.shape(), "shape of output " + i);
      float[] ev = e.toFloatArray();
      float[] av = a.toFloatArray();
      for (int j = 0; j < ev.length; j++) {
        double diff = Math.abs(ev[j] - av[j]);
        double bound = TOLERANCE * Math.abs(ev[j]) + FLOOR;
        if (!(diff <= bound)) {
          throw new AssertionError(
              String.format(
                  "output %d element %d: tapegrad %s, ONNX Runtime %s (difference %s > %s)",
                  i, j, ev[j], av[j], diff, bound));
        }
      }
    }
  }

  static long[] longs(int[] shape) {
    long[] out = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      out[i] = shape[i];
    }
    return out;
  }
}
