package dev.tapegrad.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link HeaderJson}: Gson's strict reader plus the header's integer rules and our messages. */
class HeaderJsonTest {
  private static String string(String json) throws CheckpointException {
    HeaderJson reader = new HeaderJson(json);
    String s = reader.nextString();
    reader.endDocument();
    return s;
  }

  private static long integer(String json) throws CheckpointException {
    HeaderJson reader = new HeaderJson(json);
    long v = reader.nextLong();
    reader.endDocument();
    return v;
  }

  private static void assertRejected(String json, String messagePart, Parse parse) {
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> parse.run(new HeaderJson(json)), json);
    assertTrue(e.getMessage().contains(messagePart), () -> json + " -> " + e.getMessage());
    assertTrue(e.getMessage().startsWith("header JSON at character "), e.getMessage());
  }

  private interface Parse {
    void run(HeaderJson reader) throws CheckpointException;
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
    Parse s =
        r -> {
          r.nextString();
          r.endDocument();
        };
    assertRejected("\"abc", "unterminated string", s);
    assertRejected("\"abc\\", "unterminated", s);
    assertRejected("\"a\\x\"", "invalid escape", s);
    assertRejected("\"a\\'\"", "invalid escaped character", s);
    assertRejected("\"\\u12zz\"", "malformed Unicode escape", s);
    assertRejected("\"\\u12", "unterminated escape", s);
    assertRejected("\"\\u１２３４\"", "malformed Unicode escape", s);
    assertRejected("\"\\ud83d\"", "unpaired surrogate", s);
    assertRejected("\"\\ud83dx\"", "unpaired surrogate", s);
    assertRejected("\"\\ud83d\\u0041\"", "unpaired surrogate", s);
    assertRejected("\"\\ude00\"", "unpaired surrogate", s);
    assertRejected("\"tab\there\"", "unescaped control characters", s);
    assertRejected("\"line\\\nbreak\"", "escape a newline", s);
    assertRejected("'single'", "not strict JSON near \"'single'\"", s);
    assertRejected("", "unexpected end of the header", s);
    assertRejected("5", "expected a string but found a number", s);
  }

  @Test
  void integersOverTheWholeLongRange() throws Exception {
    assertEquals(0, integer("0"));
    assertEquals(0, integer("-0"));
    assertEquals(1234567890123L, integer(" 1234567890123 "));
    assertEquals(Long.MAX_VALUE, integer("9223372036854775807"));
    assertEquals(Long.MIN_VALUE, integer("-9223372036854775808"));
  }

  @Test
  void anythingButAPlainIntegerIsRejected() {
    Parse n = HeaderJson::nextLong;
    assertRejected("9223372036854775808", "integer out of range: 9223372036854775808", n);
    assertRejected("-9223372036854775809", "integer out of range", n);
    assertRejected("9".repeat(1_000), "integer out of range: " + "9".repeat(40) + "...", n);
    assertRejected("1.0", "expected an integer but found the number 1.0", n);
    assertRejected("1e5", "found the number 1e5", n);
    assertRejected("1E5", "found the number", n);
    assertRejected("-0.0", "found the number -0.0", n);
    assertRejected("01", "not strict JSON near \"01\"", n);
    assertRejected("-", "not strict JSON", n);
    assertRejected("+1", "not strict JSON", n);
    assertRejected("NaN", "not strict JSON", n);
    assertRejected("Infinity", "not strict JSON", n);
    assertRejected("true", "expected an integer but found true or false", n);
    assertRejected("null", "expected an integer but found null", n);
    assertRejected("NULL", "not strict JSON", n);
    assertRejected("\"1\"", "expected an integer but found a string", n);
  }

  @Test
  void objectsAndArraysNest() throws Exception {
    HeaderJson reader = new HeaderJson(" { \"a\" : [1, 2,3] ,\"b\":{}, \"c\":[]}\n\t\r ");
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

  private static void readIntArray(HeaderJson reader) throws CheckpointException {
    reader.beginArray();
    while (reader.hasNext()) {
      reader.nextLong();
    }
    reader.endArray();
    reader.endDocument();
  }

  @Test
  void malformedContainersAreRejected() {
    Parse ints = HeaderJsonTest::readIntArray;
    assertRejected("[1,]", "trailing comma before ']'", ints);
    assertRejected("[1, ]", "trailing comma before ']'", ints);
    assertRejected("[1 2]", "unterminated array", ints);
    assertRejected("[1,,2]", "not strict JSON", ints);
    assertRejected("[,1]", "not strict JSON", ints);
    assertRejected("[1", "unexpected end of the header", ints);
    assertRejected(
        "[1]]", "unexpected content after the end of the header object near \"]\"", ints);
    assertRejected("[1] x", "after the end", ints);
    assertRejected("[1] [2]", "after the end", ints);
    assertRejected("{}", "expected an array but found an object", ints);
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
    assertRejected("{a:\"b\"}", "not strict JSON", object);
    assertRejected("{'a':\"b\"}", "not strict JSON", object);
    assertRejected("{\"a\":\"b\",}", "trailing comma before '}'", object);
    assertRejected("{\"a\":\"b\",\n}", "trailing comma before '}'", object);
    assertRejected("{\"a\":\"b\"", "unexpected end of the header", object);
    assertRejected("{\"a\":\"b\"]", "unterminated object", object);
    assertRejected("{\"a\":\"b\"} // comment", "after the end", object);
    assertRejected("{/* comment */}", "not strict JSON", object);
    assertRejected("{\"a\"=\"b\"}", "not strict JSON near \"=", object);
  }

  @Test
  void nestingIsLimited() throws Exception {
    int levels = HeaderJson.MAX_NESTING;
    HeaderJson ok = new HeaderJson("[".repeat(levels) + "]".repeat(levels));
    for (int i = 0; i < levels; i++) {
      ok.beginArray();
    }
    for (int i = 0; i < levels; i++) {
      assertFalse(ok.hasNext());
      ok.endArray();
    }
    ok.endDocument();

    HeaderJson deep = new HeaderJson("[".repeat(100_000));
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> {
              for (int i = 0; i < 100_000; i++) {
                deep.beginArray();
              }
            });
    assertEquals("header JSON at character 4: nesting deeper than 3 levels", e.getMessage());
  }

  @Test
  void errorsGiveTheCharacterOffsetAndNeverGsonsPath() {
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> new HeaderJson("   x").nextString());
    assertEquals("header JSON at character 3: not strict JSON near \" x\"", e.getMessage());
    // Gson's own message would repeat the name in its JSON path ("$.nnnn...").
    String name = "n".repeat(100_000);
    CheckpointException path =
        assertThrows(
            CheckpointException.class,
            () -> {
              HeaderJson r = new HeaderJson("{\"" + name + "\":[1 2]}");
              r.beginObject();
              r.nextName();
              readIntArray(r);
            });
    assertEquals("header JSON at character 100008: unterminated array", path.getMessage());
  }
}
