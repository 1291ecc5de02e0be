package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ChronoInitTest {
  @Test
  void lstmForgetBiasesSpanTheRangeAndInputBiasesMirrorThem() {
    Lstm lstm = Lstm.builder(3, 5).numLayers(2).build(new Random(1));
    Init.chrono(lstm, 40, new Random(2));
    for (String suffix : new String[] {"_l0", "_l1"}) {
      float[] ih = lstm.namedParameters().get("bias_ih" + suffix).toFloatArray();
      float[] hh = lstm.namedParameters().get("bias_hh" + suffix).toFloatArray();
      for (int j = 0; j < 5; j++) {
        float forget = ih[5 + j];
        assertTrue(forget >= 0 && forget <= Math.log(39) + 1e-6, "forget bias " + forget);
        assertEquals(-forget, ih[j]);
        assertEquals(0f, hh[j]);
        assertEquals(0f, hh[5 + j]);
      }
    }
  }

  @Test
  void gruCellGetsItsUpdateGateBias() {
    GruCell cell = new GruCell(2, 4, new Random(1));
    float[] before = cell.biasIh().toFloatArray();
    Init.chrono(cell, 10, new Random(3));
    float[] after = cell.biasIh().toFloatArray();
    for (int j = 0; j < 4; j++) {
      assertEquals(before[j], after[j]); // r untouched
      assertTrue(after[4 + j] >= 0 && after[4 + j] <= Math.log(9) + 1e-6);
      assertEquals(before[8 + j], after[8 + j]); // n untouched
    }
  }

  @Test
  void rejectsNetworksWithoutGates() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Init.chrono(new RnnCell(2, 3, new Random(1)), 10, new Random(1)));
    assertTrue(
        e.getMessage().contains("chrono") && e.getMessage().contains("RnnCell"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Init.chrono(new LstmCell(2, 3, new Random(1)), 1, new Random(1)));
  }
}
