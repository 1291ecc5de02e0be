package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;

/** {@link Tensor#copyTo(int, FloatBuffer)} and {@link Tensor#copyFrom(int, FloatBuffer)}. */
class TensorBulkCopyTest {
  @Test
  void copyToStreamsAnyRangeThroughALittleEndianByteBuffer() {
    Tensor t = Tensor.arange(10).reshape(2, 5);
    ByteBuffer bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer view = bytes.asFloatBuffer();
    view.position(1).limit(4);
    t.copyTo(6, view);
    assertEquals(4, view.position());
    assertEquals(0f, bytes.getFloat(0));
    assertEquals(6f, bytes.getFloat(4));
    assertEquals(8f, bytes.getFloat(12));
    assertEquals(0x00, bytes.get(4)); // 6f = 0x40c00000, least significant byte first
    assertEquals((byte) 0x40, bytes.get(7));
  }

  @Test
  void aCopyOutIsASnapshot() {
    Tensor t = Tensor.vector(1f, 2f, 3f);
    float[] out = new float[3];
    t.copyTo(0, FloatBuffer.wrap(out));
    t.fillInPlace(9f);
    assertArrayEquals(new float[] {1f, 2f, 3f}, out);
  }

  @Test
  void copyFromFillsARangeInPlaceAndCountsAsAnInPlaceChange() {
    Tensor t = Tensor.zeros(2, 3);
    Tensor returned = t.copyFrom(2, FloatBuffer.wrap(new float[] {7f, 8f, 9f}));
    assertSame(t, returned);
    assertArrayEquals(new float[] {0f, 0f, 7f, 8f, 9f, 0f}, t.toFloatArray());

    // The source is copied, not adopted: changing it later does not reach the tensor.
    float[] source = {1f, 1f, 1f, 1f, 1f, 1f};
    t.copyFrom(0, FloatBuffer.wrap(source));
    source[0] = 5f;
    assertEquals(1f, t.get(0, 0));

    // It bumps the version like every in-place method, so a stale saved input is caught.
    Tensor w = Tensor.vector(1f, 2f).requiresGrad(true);
    Tensor loss = w.square().sum();
    try (var scope = Autograd.noGrad()) {
      w.copyFrom(0, FloatBuffer.wrap(new float[] {3f, 4f}));
    }
    assertThrows(IllegalStateException.class, loss::backward);
  }

  @Test
  void copyFromRefusesATensorThatRequiresGradWhileGradModeIsOn() {
    Tensor w = Tensor.vector(1f, 2f).requiresGrad(true);
    var e =
        assertThrows(
            IllegalStateException.class, () -> w.copyFrom(0, FloatBuffer.wrap(new float[] {0f})));
    assertTrue(e.getMessage().contains("copyFrom"), e.getMessage());
    assertArrayEquals(new float[] {1f, 2f}, w.toFloatArray());
  }

  @Test
  void rangesOutsideTheTensorAreRefusedAndChangeNothing() {
    Tensor t = Tensor.vector(1f, 2f, 3f);
    FloatBuffer four = FloatBuffer.allocate(4);
    var e = assertThrows(IndexOutOfBoundsException.class, () -> t.copyTo(0, four));
    assertEquals(
        "copyTo: values [0, 4) out of range for a tensor of 3 elements (shape [3])",
        e.getMessage());
    assertEquals(0, four.position());
    assertThrows(IndexOutOfBoundsException.class, () -> t.copyTo(-1, FloatBuffer.allocate(1)));
    assertThrows(IndexOutOfBoundsException.class, () -> t.copyTo(3, FloatBuffer.allocate(1)));
    assertThrows(
        IndexOutOfBoundsException.class,
        () -> t.copyTo(Integer.MAX_VALUE, FloatBuffer.allocate(2)));
    t.copyTo(3, FloatBuffer.allocate(0)); // an empty range at the end is fine

    FloatBuffer two = FloatBuffer.wrap(new float[] {8f, 9f});
    assertThrows(IndexOutOfBoundsException.class, () -> t.copyFrom(2, two));
    assertEquals(0, two.position());
    assertArrayEquals(new float[] {1f, 2f, 3f}, t.toFloatArray());
    assertThrows(
        ReadOnlyBufferException.class,
        () -> t.copyTo(0, FloatBuffer.allocate(3).asReadOnlyBuffer()));
  }
}
