package dev.tapegrad.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded fuzzing of the reader: truncations, bit flips, header edits and hostile structure. Every
 * input either loads into a consistent result or fails with a {@link CheckpointException}; any
 * other throwable (an index error, a stack overflow, running out of memory) fails the test with the
 * case that caused it. Each test is bounded by a timeout; all run in a few seconds.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SafetensorsFuzzTest {
  private static final List<byte[]> VALID = new ArrayList<>();

  @BeforeAll
  static void validFiles() throws Exception {
    Random random = new Random(2024);
    for (int i = 0; i < 6; i++) {
      VALID.add(
          Safetensors.toByteArray(
              SafetensorsTest.randomTensors(random), SafetensorsTest.randomMetadata(random)));
    }
    VALID.add(
        Safetensors.toByteArray(
            Map.of("w", Tensor.randn(3, 2, 5), "b", Tensor.zeros(0), "s", Tensor.scalar(1f)),
            Map.of("format", "pt", "note", "ü\"\\")));
    for (String fixture : List.of("torch_f32.safetensors", "torch_mixed.safetensors")) {
      VALID.add(
          Files.readAllBytes(
              Path.of(SafetensorsFuzzTest.class.getResource("/safetensors/" + fixture).toURI())));
    }
  }

  private static final AtomicInteger CASES = new AtomicInteger();
  private static final AtomicInteger LOADED = new AtomicInteger();

  @AfterAll
  static void summary() {
    System.out.printf(
        "safetensors fuzz: %d hostile inputs, %d rejected with CheckpointException, %d loaded whole%n",
        CASES.get(), CASES.get() - LOADED.get(), LOADED.get());
  }

  /**
   * Reads {@code bytes}; returns whether it loaded. Anything but a whole, consistent result or a
   * CheckpointException with a short message fails.
   */
  private static boolean readOrReject(byte[] bytes, String description) {
    CASES.incrementAndGet();
    Safetensors loaded;
    try {
      loaded = Safetensors.read(bytes);
    } catch (CheckpointException expected) {
      String message = expected.getMessage();
      assertTrue(message != null && !message.isEmpty(), description);
      assertTrue(message.length() <= CheckpointException.MAX_MESSAGE_CHARS, description);
      return false;
    } catch (Throwable unexpected) {
      throw new AssertionError(description + ": " + unexpected, unexpected);
    }
    LOADED.incrementAndGet();
    // A mutated file that still loads must be whole: tensors of consistent size that, at 2 to 8
    // bytes a value, account for the entire data buffer, and that save and load back unchanged.
    long total = 0;
    for (Tensor t : loaded.tensors().values()) {
      long numel = 1;
      for (int s : t.shape()) {
        numel *= s;
      }
      assertEquals(numel, t.numel(), description);
      total += numel;
    }
    long dataBytes = bytes.length - (long) headerEnd(bytes);
    assertTrue(2 * total <= dataBytes && dataBytes <= 8 * total, description);
    Safetensors again;
    try {
      again = Safetensors.read(Safetensors.toByteArray(loaded.tensors(), loaded.metadata()));
    } catch (CheckpointException e) {
      throw new AssertionError(description + ": a loaded file does not save and load back", e);
    }
    assertEquals(loaded.metadata(), again.metadata(), description);
    assertEquals(loaded.tensors().keySet(), again.tensors().keySet(), description);
    for (var e : loaded.tensors().entrySet()) {
      Tensor back = again.tensors().get(e.getKey());
      assertArrayEquals(e.getValue().shape(), back.shape(), description);
      assertArrayEquals(bits(e.getValue()), bits(back), description);
    }
    return true;
  }

  private static int[] bits(Tensor t) {
    float[] values = t.toFloatArray();
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  private static int headerEnd(byte[] file) {
    return 8 + (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  @Test
  void everyTruncationAndEveryExtensionIsRejected() {
    int cases = 0;
    for (int f = 0; f < VALID.size(); f++) {
      byte[] file = VALID.get(f);
      assertTrue(readOrReject(file, "valid file " + f));
      for (int length = 0; length < file.length; length++) {
        byte[] truncated = Arrays.copyOf(file, length);
        assertFalse(readOrReject(truncated, "file " + f + " cut to " + length));
        cases++;
      }
      for (int extra = 1; extra <= 16; extra++) {
        byte[] longer = Arrays.copyOf(file, file.length + extra);
        assertFalse(readOrReject(longer, "file " + f + " + " + extra));
        cases++;
      }
    }
    assertTrue(cases > 4_000, cases + " cases");
  }

  @Test
  void randomBitFlipsNeverEscapeTheDocumentedException() {
    Random random = new Random(7);
    int rejected = 0;
    int cases = 4_000;
    for (int c = 0; c < cases; c++) {
      int f = random.nextInt(VALID.size());
      byte[] file = VALID.get(f).clone();
      int flips = 1 + random.nextInt(3);
      // Mostly in the prefix and header, where flips change structure rather than values.
      int limit = random.nextInt(4) == 0 ? file.length : headerEnd(file);
      StringBuilder what = new StringBuilder("file " + f + " flipped at");
      for (int i = 0; i < flips; i++) {
        int bit = random.nextInt(8 * limit);
        file[bit / 8] ^= (byte) (1 << (bit % 8));
        what.append(' ').append(bit);
      }
      if (!readOrReject(file, what.toString())) {
        rejected++;
      }
    }
    assertTrue(rejected > cases / 2, rejected + " of " + cases + " rejected");
  }

  @Test
  void bitFlipsInTheDataLoadAsExactlyThoseBits() throws Exception {
    Random random = new Random(19);
    for (int c = 0; c < 500; c++) {
      int f = random.nextInt(VALID.size() - 2); // the files tapegrad wrote: all F32
      byte[] file = VALID.get(f).clone();
      int start = headerEnd(file);
      if (start == file.length) {
        continue;
      }
      int at = start + random.nextInt(file.length - start);
      file[at] ^= (byte) (1 << random.nextInt(8));
      assertTrue(readOrReject(file, "file " + f + " data byte " + at + " flipped"));
      Safetensors original = Safetensors.read(VALID.get(f));
      Safetensors flipped = Safetensors.read(file);
      int changed = 0;
      for (var e : original.tensors().entrySet()) {
        int[] before = bits(e.getValue());
        int[] after = bits(flipped.tensors().get(e.getKey()));
        for (int i = 0; i < before.length; i++) {
          changed += Integer.bitCount(before[i] ^ after[i]);
        }
      }
      assertEquals(1, changed, "exactly the flipped bit differs");
    }
  }

  /** Characters that matter to JSON and to the header schema, to splice into headers. */
  private static final String[] TOKENS = {
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    "0",
    "1",
    "-",
    "-1",
    ".",
    "e",
    "9999999999999999999",
    "2147483647",
    "4294967296",
    " ",
    "\n",
    "\u0000",
    "\u00ff",
    "😀",
    "null",
    "true",
    "NaN",
    "Infinity",
    "\"dtype\"",
    "\"shape\"",
    "\"data_offsets\"",
    "\"__metadata__\"",
    "\"F32\"",
    "\"F16\"",
    "\"I64\"",
    "[0,4]",
    "[]",
    "{}",
    "1.5",
    "1e3",
    "\"w\":"
  };

  @Test
  void editedHeadersNeverEscapeTheDocumentedException() {
    Random random = new Random(11);
    int loaded = 0;
    int cases = 4_000;
    for (int c = 0; c < cases; c++) {
      int f = random.nextInt(VALID.size());
      byte[] file = VALID.get(f);
      int headerEnd = headerEnd(file);
      String header = new String(file, 8, headerEnd - 8, UTF_8);
      StringBuilder edited = new StringBuilder(header);
      int edits = 1 + random.nextInt(3);
      for (int i = 0; i < edits; i++) {
        int at = random.nextInt(edited.length() + 1);
        switch (random.nextInt(3)) {
          case 0 -> edited.insert(at, TOKENS[random.nextInt(TOKENS.length)]);
          case 1 -> edited.delete(at, Math.min(edited.length(), at + 1 + random.nextInt(4)));
          default ->
              edited.replace(
                  at, Math.min(edited.length(), at + 1), TOKENS[random.nextInt(TOKENS.length)]);
        }
      }
      byte[] newHeader = edited.toString().getBytes(UTF_8);
      byte[] data = Arrays.copyOfRange(file, headerEnd, file.length);
      // Keep the data size consistent most of the time so edits reach the layout checks.
      int dataBytes =
          random.nextInt(5) == 0 ? Math.max(0, data.length - 4 + random.nextInt(9)) : data.length;
      byte[] mutated = SafetensorsValidationTest.file(newHeader, dataBytes);
      System.arraycopy(data, 0, mutated, 8 + newHeader.length, Math.min(data.length, dataBytes));
      if (readOrReject(mutated, "file " + f + " header edited to " + edited)) {
        loaded++;
      }
    }
    assertTrue(loaded < cases / 2, loaded + " of " + cases + " loaded");
  }

  @Test
  void deepNestingAnywhereIsRejectedQuickly() {
    byte[] file = VALID.get(VALID.size() - 3);
    String header = new String(file, 8, headerEnd(file) - 8, UTF_8).stripTrailing();
    int cases = 0;
    for (String opener : List.of("[", "{", "[{\"a\":")) {
      String deep = opener.repeat(100_000);
      for (int at = 0; at <= header.length(); at += 7) {
        String hostile = header.substring(0, at) + deep + header.substring(at);
        assertFalse(
            readOrReject(
                SafetensorsValidationTest.file(hostile, 0), "nested " + opener + " at " + at));
        cases++;
      }
    }
    assertTrue(cases > 60, cases + " cases");
  }

  @Test
  void randomTokenSoupIsRejected() {
    Random random = new Random(13);
    for (int c = 0; c < 3_000; c++) {
      StringBuilder soup = new StringBuilder("{");
      int tokens = random.nextInt(40);
      for (int i = 0; i < tokens; i++) {
        soup.append(TOKENS[random.nextInt(TOKENS.length)]);
      }
      byte[] bytes = SafetensorsValidationTest.file(soup.toString(), random.nextInt(3) * 4);
      readOrReject(bytes, "soup " + soup);
    }
    // Arbitrary bytes, including ones that claim huge headers.
    for (int c = 0; c < 3_000; c++) {
      byte[] bytes = new byte[random.nextInt(64)];
      random.nextBytes(bytes);
      if (bytes.length > 8 && random.nextBoolean()) { // a plausible length and a '{'
        bytes[1] = bytes[2] = bytes[3] = bytes[4] = bytes[5] = bytes[6] = bytes[7] = 0;
        bytes[0] = (byte) random.nextInt(bytes.length - 7);
        bytes[8] = '{';
      }
      readOrReject(bytes, "random bytes " + Arrays.toString(bytes));
    }
  }

  @Test
  void hugeClaimsInSmallFilesAllocateNothing() {
    // Shapes whose data would need gigabytes, in files of a few bytes: refused from the header
    // alone.
    String[] headers = {
      "{\"w\":{\"dtype\":\"F32\",\"shape\":[536870911],\"data_offsets\":[0,2147483644]}}",
      "{\"w\":{\"dtype\":\"F64\",\"shape\":[268435455],\"data_offsets\":[0,2147483640]}}",
      "{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647],\"data_offsets\":[0,8589934588]}}",
      "{\"w\":{\"dtype\":\"F32\",\"shape\":[46341,46341],\"data_offsets\":[0,8589953124]}}",
      "{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,4]}}",
      "{\"w\":{\"dtype\":\"F32\",\"shape\":["
          + "2147483647,".repeat(10_000)
          + "1],\"data_offsets\":[0,4]}}",
      "{\"w\":{\"dtype\":\"F32\",\"shape\":["
          + "1,".repeat(100_000)
          + "1],\"data_offsets\":[0,8]}}",
    };
    for (String header : headers) {
      for (int dataBytes : new int[] {0, 4, 16}) {
        CheckpointException e =
            assertThrows(
                CheckpointException.class,
                () -> Safetensors.read(SafetensorsValidationTest.file(header, dataBytes)));
        assertTrue(e.getMessage().startsWith("tensor \"w\""), e.getMessage());
      }
    }
  }

  @Test
  void corruptFilesOnDiskFailTheSameWay() throws Exception {
    Path file = Files.createTempFile("fuzz", ".safetensors");
    try {
      Random random = new Random(17);
      for (int c = 0; c < 100; c++) {
        byte[] valid = VALID.get(random.nextInt(VALID.size()));
        byte[] broken = Arrays.copyOf(valid, random.nextInt(valid.length));
        Files.write(file, broken);
        assertThrows(CheckpointException.class, () -> Safetensors.load(file));
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
