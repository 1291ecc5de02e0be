package dev.tapegrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FloatsTest {
  private static Object roundTrip(Object value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return in.readObject();
    }
  }

  @Test
  void vectorsSurviveSerializationBitForBitAcrossChunkBoundaries() throws Exception {
    Random random = new Random(3);
    for (int n : new int[] {0, 1, 13, 65_536, 65_537, 200_003}) {
      float[] values = new float[n];
      for (int i = 0; i < n; i++) {
        values[i] = Float.intBitsToFloat(random.nextInt());
      }
      float[] back = ((Floats.Vector) roundTrip(new Floats.Vector(values))).values();
      // compare bits: NaN payloads and signed zeros must survive too
      int[] want = new int[n];
      int[] got = new int[n];
      for (int i = 0; i < n; i++) {
        want[i] = Float.floatToRawIntBits(values[i]);
        got[i] = Float.floatToRawIntBits(back[i]);
      }
      assertArrayEquals(want, got, "length " + n);
    }
    assertNull(((Floats.Vector) roundTrip(new Floats.Vector(null))).values());
  }

  @Test
  void orderedSumsSurviveSerialization() throws Exception {
    OrderedSum sum = new OrderedSum(3);
    sum.add(0, new OrderedSum.Node(new float[] {1, 2}, 0.5, 2, 0, 0, null));
    sum.add(2, new OrderedSum.Node(null, 0, 0, 0, 0, null));
    OrderedSum back = (OrderedSum) roundTrip(sum);
    back.add(1, new OrderedSum.Node(new float[] {10, 20}, 0.25, 2, 0, 0, null));
    assertArrayEquals(new float[] {11, 22}, back.total().values);
  }
}
