package dev.tapegrad.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonReaderTest {
  private static String string(String json) throws CheckpointException {
    JsonReader reader = new JsonReader(json);
    String s = reader.nextString();
    reader.endDocument();
    return s;
  }

  private static long integer(String json) throws CheckpointException {
    JsonReader reader = new JsonReader(json);
    long v = reader.nextLong();
    reader.endDocument();
    return v;
  }

  private static void assertRejected(String json, String messagePart, Parse parse) {
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> parse.run(new JsonReader(json)), json);
    assertTrue(e.getMessage().contains(messagePart), () -> json + " -> " + e.getMessage());
  }

  private interface Parse {
    void run(JsonReader reader) throws CheckpointException;
  }

  @Test
  void stringsWithEveryEscape() throws Exception {
    assertEquals("plain", string("\"plain\""));
    assertEquals("", string("\"\""));
    assertEquals("\" \\ / \b \f \n \r \t", string("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\""));
    assertEquals("é€\u0000\u001f", string("\"\\u00e9\\u20AC\\u0000\\u001f\""));
    assertEquals("😀", string("\"\\ud83d\\ude00\""));
    assertEquals("raw ü 😀", string("\"raw ü 😀\""));
  }

  @Test
  void badStringsAreRejected() {
    Parse s = JsonReader::nextString;
    assertRejected("\"abc", "unterminated string", s);
    assertRejected("\"abc\\", "unterminated string", s);
    assertRejected("\"a\\x\"", "invalid escape", s);
    assertRejected("\"\\u12zz\"", "invalid hex digit", s);
    assertRejected("\"\\u12", "truncated \\u escape", s);
    assertRejected("\"\\u１２３４\"", "invalid hex digit", s);
    assertRejected("\"\\ud83d\"", "unpaired surrogate", s);
    assertRejected("\"\\ud83dx\"", "unpaired surrogate", s);
    assertRejected("\"\\ud83d\\u0041\"", "unpaired surrogate", s);
    assertRejected("\"\\ude00\"", "unpaired surrogate", s);
    assertRejected("\"tab\there\"", "raw control character U+0009", s);
    assertRejected("'single'", "expected a string", s);
    assertRejected("", "expected a string but found the end of the header", s);
  }

  @Test
  void integersOverTheWholeLongRange() throws Exception {
    assertEquals(0, integer("0"));
    assertEquals(-0, integer("-0"));
    assertEquals(1234567890123L, integer(" 1234567890123 "));
    assertEquals(Long.MAX_VALUE, integer("9223372036854775807"));
    assertEquals(Long.MIN_VALUE, integer("-9223372036854775808"));
  }

  @Test
  void anythingButAPlainIntegerIsRejected() {
    Parse n = JsonReader::nextLong;
    assertRejected("9223372036854775808", "integer out of range", n);
    assertRejected("-9223372036854775809", "integer out of range", n);
    assertRejected("99999999999999999999999999", "integer out of range", n);
    assertRejected("1.0", "found the number 1.0", n);
    assertRejected("1e5", "found the number 1e5", n);
    assertRejected("1E5", "found the number", n);
    assertRejected("01", "leading zero", n);
    assertRejected("-", "expected an integer", n);
    assertRejected("+1", "expected an integer", n);
    assertRejected("NaN", "expected an integer but found 'N'", n);
    assertRejected("Infinity", "expected an integer", n);
    assertRejected("true", "expected an integer", n);
    assertRejected("null", "expected an integer", n);
    assertRejected("\"1\"", "expected an integer", n);
  }

  @Test
  void objectsAndArraysNest() throws Exception {
    JsonReader reader = new JsonReader(" { \"a\" : [1, 2,3] ,\"b\":{}, \"c\":[]}\n\t\r ");
    reader.beginObject();
    List<String> seen = new ArrayList<>();
    while (reader.hasNext()) {
      String name = reader.nextName();
      seen.add(name);
      if (name.equals("b")) {
        reader.beginObject();
        assertFalse(reader.hasNext());
        reader.endObject();
        continue;
      }
      reader.beginArray();
      while (reader.hasNext()) {
        seen.add(String.valueOf(reader.nextLong()));
      }
      reader.endArray();
    }
    reader.endObject();
    reader.endDocument();
    assertEquals(List.of("a", "1", "2", "3", "b", "c"), seen);
  }

  private static void readIntArray(JsonReader reader) throws CheckpointException {
    reader.beginArray();
    while (reader.hasNext()) {
      reader.nextLong();
    }
    reader.endArray();
    reader.endDocument();
  }

  @Test
  void malformedContainersAreRejected() {
    Parse ints = JsonReaderTest::readIntArray;
    assertRejected("[1,]", "trailing comma", ints);
    assertRejected("[1 2]", "expected ',' or ']'", ints);
    assertRejected("[1,,2]", "expected an integer", ints);
    assertRejected("[,1]", "expected an integer", ints);
    assertRejected("[1", "expected ',' or ']' but found the end of the header", ints);
    assertRejected("[1]]", "after the end", ints);
    assertRejected("[1] x", "after the end", ints);
    assertRejected("{}", "expected an array", ints);
    Parse object =
        r -> {
          r.beginObject();
          while (r.hasNext()) {
            r.nextName();
            r.nextString();
          }
          r.endObject();
          r.endDocument();
        };
    assertRejected("{\"a\" \"b\"}", "expected ':'", object);
    assertRejected("{a:\"b\"}", "expected a string", object);
    assertRejected("{\"a\":\"b\",}", "trailing comma", object);
    assertRejected("{\"a\":\"b\"", "expected ',' or '}'", object);
    assertRejected("{\"a\":\"b\"]", "expected ',' or '}'", object);
    assertRejected("{\"a\":\"b\"} // comment", "after the end", object);
  }

  @Test
  void nestingIsLimitedWithoutRecursion() throws Exception {
    JsonReader ok = new JsonReader("[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH));
    for (int i = 0; i < JsonReader.MAX_DEPTH; i++) {
      ok.beginArray();
    }
    for (int i = 0; i < JsonReader.MAX_DEPTH; i++) {
      assertFalse(ok.hasNext());
      ok.endArray();
    }
    ok.endDocument();

    JsonReader deep = new JsonReader("[".repeat(100_000));
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> {
              for (int i = 0; i < 100_000; i++) {
                deep.beginArray();
              }
            });
    assertTrue(e.getMessage().contains("nesting deeper than 64"), e.getMessage());
  }

  @Test
  void errorsGiveTheCharacterOffset() {
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> new JsonReader("   x").nextString());
    assertEquals("header JSON at character 3: expected a string but found 'x'", e.getMessage());
  }
}
