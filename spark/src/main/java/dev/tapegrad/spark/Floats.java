package dev.tapegrad.spark;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Writes and reads a {@code float[]} in Java serialization as little-endian bytes in bulk.
 *
 * <p>Performance note: {@code ObjectOutputStream} writes a {@code float[]} one element at a time;
 * converting through a {@link FloatBuffer} view in chunks is several times faster, and the
 * parameter and gradient vectors of a step are the bulk of what Spark ships (tens of megabytes for
 * a model of ten million parameters).
 */
final class Floats {
  private static final int CHUNK = 1 << 16;

  private Floats() {}

  /** Writes {@code values} (which may be null). */
  static void write(ObjectOutputStream out, float[] values) throws IOException {
    out.writeInt(values == null ? -1 : values.length);
    if (values == null) {
      return;
    }
    byte[] bytes = new byte[4 * Math.min(CHUNK, values.length)];
    FloatBuffer view = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int first = 0; first < values.length; first += CHUNK) {
      int n = Math.min(CHUNK, values.length - first);
      view.clear();
      view.put(values, first, n);
      out.write(bytes, 0, 4 * n);
    }
  }

  /** Reads what {@link #write} wrote. */
  static float[] read(ObjectInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    float[] values = new float[length];
    byte[] bytes = new byte[4 * Math.min(CHUNK, length)];
    FloatBuffer view = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int first = 0; first < length; first += CHUNK) {
      int n = Math.min(CHUNK, length - first);
      in.readFully(bytes, 0, 4 * n);
      view.clear();
      view.get(values, first, n);
    }
    return values;
  }

  /** A {@code float[]} to broadcast: serialized with {@link #write}. */
  static final class Vector implements Serializable {
    private static final long serialVersionUID = 1L;
    private transient float[] values;

    Vector(float[] values) {
      this.values = values;
    }

    float[] values() {
      return values;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      write(out, values);
    }

    private void readObject(ObjectInputStream in) throws IOException {
      values = read(in);
    }
  }
}
