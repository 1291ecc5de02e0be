package dev.tapegrad.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-written hostile and malformed files: each is refused with a message naming the fault. */
class SafetensorsValidationTest {
  @TempDir Path dir;

  /** A file with the given header text (UTF-8, unpadded) and {@code dataBytes} bytes of data. */
  static byte[] file(String header, int dataBytes) {
    return file(header.getBytes(UTF_8), dataBytes);
  }

  static byte[] file(byte[] header, int dataBytes) {
    ByteBuffer b =
        ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(header.length).put(header);
    return b.array();
  }

  private static String entry(String name, String dtype, String shape, long begin, long end) {
    return String.format(
        "\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%d,%d]}",
        name, dtype, shape, begin, end);
  }

  private static void assertRejected(byte[] bytes, String messagePart) {
    CheckpointException e = assertThrows(CheckpointException.class, () -> Safetensors.read(bytes));
    assertTrue(
        e.getMessage().contains(messagePart),
        () ->
            "expected a message containing <" + messagePart + "> but got <" + e.getMessage() + ">");
  }

  private static void assertRejected(String header, int dataBytes, String messagePart) {
    assertRejected(file(header, dataBytes), messagePart);
  }

  @Test
  void wellFormedHandWrittenFileLoads() throws Exception {
    // Fields in any order, whitespace, tensors out of offset order, an empty metadata object.
    String header =
        "{ \"z\" : {\"data_offsets\":[0,8], \"shape\":[2], \"dtype\":\"F32\"},\n"
            + " \"__metadata__\": {},\t"
            + entry("a", "F32", "[1,1]", 8, 12)
            + " }   ";
    ByteBuffer b = ByteBuffer.wrap(file(header, 12)).order(ByteOrder.LITTLE_ENDIAN);
    int data = 8 + header.getBytes(UTF_8).length;
    b.putFloat(data, 1f).putFloat(data + 4, 2f).putFloat(data + 8, 3f);
    Safetensors loaded = Safetensors.read(b.array());
    assertArrayEquals(new float[] {1f, 2f}, loaded.tensors().get("z").toFloatArray());
    assertArrayEquals(new float[] {3f}, loaded.tensors().get("a").toFloatArray());
    assertTrue(loaded.metadata().isEmpty());
  }

  @Test
  void tooShortOrTooLongHeaderLengths() {
    assertRejected(new byte[0], "fewer than the 8");
    assertRejected(new byte[7], "fewer than the 8");
    assertRejected(file("", 0), "header is empty");
    byte[] huge = file("{}", 0);
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
    assertRejected(huge, "header length 18446744073709551615 exceeds the limit");
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
    assertRejected(huge, "exceeds the limit");
    ByteBuffer.wrap(huge)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(0, Safetensors.MAX_HEADER_BYTES + 1);
    assertRejected(huge, "exceeds the limit");
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Safetensors.MAX_HEADER_BYTES);
    assertRejected(huge, "runs past the end of the 10-byte file");
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 3);
    assertRejected(huge, "runs past the end");
  }

  @Test
  void headerMustBeAUtf8JsonObject() {
    assertRejected("[]", 0, "does not start with '{'");
    assertRejected(" {}", 0, "does not start with '{' (first byte 0x20)");
    assertRejected("\"x\"", 0, "does not start with '{'");
    assertRejected(
        file(new byte[] {'{', '"', (byte) 0xff, '"', ':', '{', '}', '}'}, 0), "not valid UTF-8");
    assertRejected(
        file(new byte[] {'{', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}'}, 0),
        "not valid UTF-8");
    assertRejected("{", 0, "unexpected end of the header");
    assertRejected("{}x", 0, "unexpected content after the end of the header object near \"x\"");
    assertRejected("{}\u0000", 0, "after the end of the header object");
    assertRejected("{} {}", 0, "after the end");
    assertRejected("{\"a\":" + "[".repeat(100_000), 0, "expected an object but found an array");
    assertRejected("{\"__metadata__\":{\"k\":" + "{".repeat(100_000), 0, "is not a string");
    assertRejected(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":" + "[".repeat(100_000), 0, "expected an integer");
    assertRejected("{\"a\":{\"dtype\":\"F32", 0, "unterminated string");
    assertRejected(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", 4, "trailing comma");
  }

  @Test
  void emptyHeaderObjectMeansNoTensors() throws Exception {
    Safetensors loaded = Safetensors.read(file("{}      ", 0));
    assertTrue(loaded.tensors().isEmpty());
    assertRejected("{}", 4, "the tensors cover 0 bytes but the data buffer has 4");
  }

  @Test
  void entriesNeedExactlyDtypeShapeAndOffsets() {
    assertRejected(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "tensor \"a\": missing field data_offsets");
    assertRejected("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "missing field dtype");
    assertRejected("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "missing field shape");
    assertRejected(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}",
        4,
        "tensor \"a\": unexpected field \"extra\"");
    assertRejected(
        "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
        4,
        "field dtype appears twice");
    assertRejected(
        "{\"a\":\"F32\"}",
        0,
        "tensor \"a\": header JSON at character 6: expected an object but found a string");
    assertRejected(
        "{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "expected a string");
    assertRejected(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,4]}}", 4, "expected an array");
    assertRejected(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":null}}", 4, "expected an array");
  }

  @Test
  void unsupportedAndUnknownDtypesNameTheTensor() {
    assertRejected(
        "{" + entry("steps", "I64", "[1]", 0, 8) + "}",
        8,
        "tensor \"steps\": dtype I64 is not supported; tapegrad reads F32, F64, F16 and BF16");
    assertRejected(
        "{" + entry("mask", "BOOL", "[2]", 0, 2) + "}", 2, "dtype BOOL is not supported");
    assertRejected(
        "{" + entry("w", "f32", "[1]", 0, 4) + "}", 4, "tensor \"w\": unknown dtype \"f32\"");
    assertRejected("{" + entry("w", "", "[1]", 0, 4) + "}", 4, "unknown dtype \"\"");
  }

  @Test
  void shapesMustBeNonNegativeAndMatchTheOffsets() {
    assertRejected("{" + entry("w", "F32", "[-1]", 0, 4) + "}", 4, "shape entry -1 is negative");
    assertRejected(
        "{" + entry("w", "F32", "[2.0]", 0, 8) + "}",
        8,
        "expected an integer but found the number 2.0");
    assertRejected("{" + entry("w", "F32", "[1e1]", 0, 40) + "}", 40, "found the number 1e1");
    assertRejected("{" + entry("w", "F32", "[NaN]", 0, 4) + "}", 4, "not strict JSON near \"[NaN]");
    assertRejected("{" + entry("w", "F32", "[\"2\"]", 0, 8) + "}", 8, "expected an integer");
    assertRejected("{" + entry("w", "F32", "[2147483648]", 0, 4) + "}", 4, "larger than 2^31 - 1");
    assertRejected(
        "{" + entry("w", "F32", "[2147483647,2147483647]", 0, 4) + "}",
        4,
        "shape [2147483647, 2147483647] has more elements than a Java array can hold");
    assertRejected(
        "{" + entry("w", "F32", "[65536,65536]", 0, 4) + "}", 4, "more elements than a Java array");
    assertRejected(
        "{" + entry("w", "F32", "[99999999999999999999]", 0, 4) + "}", 4, "integer out of range");
    assertRejected(
        "{" + entry("w", "F32", "[2,3]", 0, 20) + "}",
        20,
        "tensor \"w\": dtype F32 and shape [2, 3] need 24 bytes but data_offsets [0, 20] span 20");
    assertRejected(
        "{" + entry("w", "F16", "[3]", 0, 12) + "}", 12, "dtype F16 and shape [3] need 6 bytes");
  }

  @Test
  void hugeButEmptyShapesAreFine() throws Exception {
    Safetensors loaded =
        Safetensors.read(
            file("{" + entry("w", "F32", "[2147483647,0,2147483647,2147483647]", 0, 0) + "}", 0));
    assertArrayEquals(
        new int[] {2147483647, 0, 2147483647, 2147483647}, loaded.tensors().get("w").shape());
    assertEquals(0, loaded.tensors().get("w").numel());
  }

  @Test
  void offsetsMustTileTheBufferExactly() {
    assertRejected(
        "{" + entry("w", "F32", "[1]", 4, 0) + "}", 4, "data_offsets [4, 0] end before they begin");
    assertRejected(
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}",
        4,
        "data_offsets entry -4 is negative");
    assertRejected(
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}",
        4,
        "data_offsets has 1 entries, not 2");
    assertRejected(
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
        4,
        "more than 2 entries");
    assertRejected(
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.0,4]}}",
        4,
        "found the number 0.0");
    assertRejected(
        "{" + entry("w", "F32", "[1]", 4, 8) + "}",
        8,
        "leave bytes [0, 4) of the data buffer unused");
    assertRejected(
        "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[1]", 4, 8) + "}",
        8,
        "tensor \"b\": data_offsets [4, 8] overlap tensor \"a\" at [0, 8]");
    assertRejected(
        "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 0, 4) + "}",
        4,
        "overlap tensor");
    assertRejected(
        "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}",
        12,
        "tensor \"b\": data_offsets [8, 12] leave bytes [4, 8) of the data buffer unused");
    assertRejected(
        "{" + entry("w", "F32", "[2]", 0, 8) + "}",
        4,
        "tensor \"w\": data_offsets [0, 8] run past the end of the 4-byte data buffer");
    assertRejected(
        "{" + entry("w", "F32", "[1]", 0, 4) + "}",
        8,
        "the tensors cover 4 bytes but the data buffer has 8");
    long big = Long.MAX_VALUE - 4;
    assertRejected("{" + entry("w", "F32", "[1]", big, big + 4) + "}", 4, "run past the end");
    assertRejected(
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]}}",
        4,
        "integer out of range");
  }

  @Test
  void zeroSizedTensorsMayShareAnOffset() throws Exception {
    String header =
        "{"
            + entry("e1", "F32", "[0]", 4, 4)
            + ","
            + entry("w", "F32", "[1]", 0, 4)
            + ","
            + entry("e2", "F16", "[3,0]", 4, 4)
            + ","
            + entry("e0", "BF16", "[0]", 0, 0)
            + "}";
    Safetensors loaded = Safetensors.read(file(header, 4));
    assertEquals(4, loaded.tensors().size());
  }

  @Test
  void namesAndMetadataMustNotRepeat() {
    String w = entry("w", "F32", "[1]", 0, 4);
    assertRejected("{" + w + "," + w + "}", 4, "header has tensor \"w\" twice");
    assertRejected("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "header has __metadata__ twice");
    assertRejected(
        "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "__metadata__ has key \"k\" twice");
  }

  @Test
  void metadataValuesMustBeStrings() throws Exception {
    assertRejected(
        "{\"__metadata__\":{\"epoch\":3}}",
        0,
        "__metadata__ value for key \"epoch\" is not a string");
    assertRejected("{\"__metadata__\":{\"k\":null}}", 0, "is not a string");
    assertRejected("{\"__metadata__\":{\"k\":[\"v\"]}}", 0, "is not a string");
    assertRejected("{\"__metadata__\":[]}", 0, "expected an object");
    assertRejected("{\"__metadata__\":\"text\"}", 0, "expected an object");
    Safetensors loaded =
        Safetensors.read(file("{\"__metadata__\":{\"b\":\"2\",\"a\":\"\\u00e9\\n\"}}", 0));
    assertEquals(List.of("b", "a"), List.copyOf(loaded.metadata().keySet()));
    assertEquals("é\n", loaded.metadata().get("a"));
  }

  @Test
  void longHostileNamesAreShortenedInMessages() {
    String name = "n".repeat(1_000_000);
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> Safetensors.read(file("{" + entry(name, "I8", "[1]", 0, 1) + "}", 1)));
    assertTrue(e.getMessage().length() < 300, e.getMessage().length() + " characters");
  }

  @Test
  void loadFromFileValidatesTheSame() throws Exception {
    Path truncated = dir.resolve("truncated.safetensors");
    byte[] bytes = Safetensors.toByteArray(Map.of("w", Tensor.ones(10)), Map.of());
    Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 1));
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> Safetensors.load(truncated));
    assertTrue(
        e.getMessage().contains("run past the end of the 39-byte data buffer"), e.getMessage());

    Path empty = Files.write(dir.resolve("empty.safetensors"), new byte[0]);
    assertThrows(CheckpointException.class, () -> Safetensors.load(empty));
  }

  @Test
  void everyFailureToLoadAPathNamesIt() throws Exception {
    Path missing = dir.resolve("missing.safetensors");
    NoSuchFileException absent =
        assertThrows(NoSuchFileException.class, () -> Safetensors.load(missing));
    assertEquals(missing + ": Safetensors.load: no such file", absent.getMessage());

    CheckpointException directory =
        assertThrows(CheckpointException.class, () -> Safetensors.load(dir));
    assertEquals(dir + ": is a directory, not a safetensors file", directory.getMessage());

    Path empty = Files.write(dir.resolve("empty.safetensors"), new byte[0]);
    CheckpointException nothing =
        assertThrows(CheckpointException.class, () -> Safetensors.load(empty));
    assertEquals(
        empty + ": file has 0 bytes, fewer than the 8 that hold the header length (empty file)",
        nothing.getMessage());

    Path notADirectory =
        Files.writeString(dir.resolve("plain.txt"), "x").resolve("model.safetensors");
    IOException below = assertThrows(IOException.class, () -> Safetensors.load(notADirectory));
    assertTrue(below.getMessage().startsWith(notADirectory.toString()), below.getMessage());

    Path corrupt = Files.write(dir.resolve("corrupt.safetensors"), file("{\"w\":1}", 0));
    CheckpointException content =
        assertThrows(CheckpointException.class, () -> Safetensors.load(corrupt));
    assertEquals(
        corrupt
            + ": tensor \"w\": header JSON at character 6: expected an object but found a number",
        content.getMessage());
  }

  @Test
  void messagesQuotingTheFileAreCapped() throws Exception {
    String huge = "\u00e9".repeat(3_000_000); // 6 MB of UTF-8 in one name, key or value
    String digits = "9".repeat(3_000_000);
    String w = entry("w", "F32", "[1]", 0, 4);
    String[] headers = {
      "{" + entry(huge, "I8", "[1]", 0, 1) + "}",
      "{" + entry(huge, "F32", "[1]", 0, 4) + "," + entry(huge + "x", "F32", "[1]", 0, 4) + "}",
      "{\"" + huge + "\":{\"dtype\":\"F32\",\"shape\":[1 2]}}",
      "{\"" + huge + "\":{\"" + huge + "\":1}}",
      "{\"w\":{\"dtype\":\"" + huge + "\",\"shape\":[1],\"data_offsets\":[0,4]}}",
      "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + digits + "],\"data_offsets\":[0,4]}}",
      "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + digits + ".5],\"data_offsets\":[0,4]}}",
      "{\"__metadata__\":{\"" + huge + "\":1}}",
      "{\"__metadata__\":{\"" + huge + "\":\"a\",\"" + huge + "\":\"b\"}}",
      "{" + w + "," + w.replace("\"w\"", "\"" + huge + "\"") + "}",
      "{" + w + "} " + huge,
      "{" + w + "," + huge + "}",
    };
    Path target = dir.resolve("hostile.safetensors");
    for (String header : headers) {
      Files.write(target, file(header, 4));
      CheckpointException e =
          assertThrows(CheckpointException.class, () -> Safetensors.load(target));
      assertTrue(
          e.getMessage().length() <= CheckpointException.MAX_MESSAGE_CHARS,
          () -> e.getMessage().length() + " characters: " + head(e.getMessage()));
      assertTrue(e.getMessage().startsWith(target.toString()), () -> head(e.getMessage()));
      for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
        assertTrue(
            String.valueOf(cause.getMessage()).length() <= CheckpointException.MAX_MESSAGE_CHARS);
      }
    }
  }

  private static String head(String message) {
    return message.substring(0, Math.min(300, message.length()));
  }

  @Test
  void checkpointExceptionCapsItsMessage() {
    assertEquals("short", new CheckpointException("short").getMessage());
    String exact = "x".repeat(CheckpointException.MAX_MESSAGE_CHARS);
    assertEquals(exact, new CheckpointException(exact).getMessage());
    String cut =
        new CheckpointException("a".repeat(10_000_000), new RuntimeException()).getMessage();
    assertTrue(cut.length() <= CheckpointException.MAX_MESSAGE_CHARS, cut.length() + " characters");
    assertTrue(
        cut.endsWith("... (" + (10_000_000 - 960) + " more characters)"), cut.substring(900));
    // A surrogate pair is never split.
    String emoji = new CheckpointException("a".repeat(959) + "😀".repeat(1000)).getMessage();
    assertTrue(emoji.startsWith("a".repeat(959) + "..."), emoji.substring(940, 980));
    assertEquals(null, new CheckpointException(null).getMessage());
  }
}
