package dev.tapegrad.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;

/**
 * Gson's streaming {@link JsonReader} in {@linkplain Strictness#STRICT strict} mode, narrowed to
 * what a safetensors header holds (objects, arrays, strings, integers) and reporting every problem
 * as a {@link CheckpointException}.
 *
 * <p>Strict mode refuses everything outside RFC 8259: comments, unquoted or single-quoted names,
 * trailing commas, {@code NaN}, leading zeros, raw control characters and unpaired surrogates in
 * strings, more than one top-level value. On top, integers must be plain ({@code 1.0} and {@code
 * 1e3} are refused, as the reference implementation refuses them) and fit in a {@code long}.
 *
 * <p>The caller drives the reader with the structure it expects, checking the next token before it
 * reads it, so a hostile document fails at its first unexpected token and nothing is built that the
 * caller did not ask for. Nesting is limited to {@link #MAX_NESTING} levels, all a header needs,
 * and Gson does not recurse, so deep input can neither overflow the stack nor grow a tree.
 *
 * <p>Messages give the character offset and quote at most a short excerpt of the header; Gson's own
 * messages, whose JSON path can repeat a hostile name in full, are never passed on whole.
 */
final class HeaderJson {
  /** Deepest nesting accepted: the header object, an entry object, its shape or offsets array. */
  static final int MAX_NESTING = 3;

  private static final int EXCERPT_CHARS = 40;

  private final String text;
  private final JsonReader reader;

  HeaderJson(String text) {
    this.text = text;
    this.reader = new JsonReader(new StringReader(text));
    reader.setStrictness(Strictness.STRICT);
    reader.setNestingLimit(MAX_NESTING);
  }

  // Each method below peeks, checks the token, then consumes it; Gson's exceptions (a syntax
  // error, the nesting limit) become ours in one catch, with no lambda on the hot path.

  private JsonToken peek() throws CheckpointException {
    try {
      return reader.peek();
    } catch (IOException | IllegalStateException e) {
      throw gsonError(e);
    }
  }

  private void expect(JsonToken expected, String what) throws CheckpointException {
    JsonToken next = peek();
    if (next != expected) {
      throw error("expected " + what + " but found " + describe(next));
    }
  }

  /** Consumes the '{' that opens an object. */
  void beginObject() throws CheckpointException {
    expect(JsonToken.BEGIN_OBJECT, "an object");
    try {
      reader.beginObject();
    } catch (IOException | IllegalStateException e) {
      throw gsonError(e);
    }
  }

  /** Consumes the '}' that closes the current object; call when {@link #hasNext} is false. */
  void endObject() throws CheckpointException {
    expect(JsonToken.END_OBJECT, "'}'");
    try {
      reader.endObject();
    } catch (IOException | IllegalStateException e) {
      throw gsonError(e);
    }
  }

  /** Consumes the '[' that opens an array. */
  void beginArray() throws CheckpointException {
    expect(JsonToken.BEGIN_ARRAY, "an array");
    try {
      reader.beginArray();
    } catch (IOException | IllegalStateException e) {
      throw gsonError(e);
    }
  }

  /** Consumes the ']' that closes the current array; call when {@link #hasNext} is false. */
  void endArray() throws CheckpointException {
    expect(JsonToken.END_ARRAY, "']'");
    try {
      reader.endArray();
    } catch (IOException | IllegalStateException e) {
      throw gsonError(e);
    }
  }

  /** Whether the current object or array has another member. */
  boolean hasNext() throws CheckpointException {
    JsonToken next = peek();
    return next != JsonToken.END_OBJECT
        && next != JsonToken.END_ARRAY
        && next != JsonToken.END_DOCUMENT;
  }

  /** Reads a member name. */
  String nextName() throws CheckpointException {
    expect(JsonToken.NAME, "a name");
    try {
      return reader.nextName();
    } catch (IOException | IllegalStateException e) {
      throw gsonError(e);
    }
  }

  /** Whether the next value is a string (without consuming it). */
  boolean peekIsString() throws CheckpointException {
    return peek() == JsonToken.STRING;
  }

  /** Reads a string value. */
  String nextString() throws CheckpointException {
    expect(JsonToken.STRING, "a string");
    return consumeString();
  }

  /** Gson's nextString: the value of a string, or the literal text of a number. */
  private String consumeString() throws CheckpointException {
    try {
      return reader.nextString();
    } catch (IOException | IllegalStateException e) {
      throw gsonError(e);
    }
  }

  /**
   * Reads an integer value: an optional '-', then digits without leading zeros. Fractions and
   * exponents are errors, as are values outside the range of a {@code long}.
   */
  long nextLong() throws CheckpointException {
    expect(JsonToken.NUMBER, "an integer");
    long at = reader.getCharacterOffset();
    String literal = consumeString(); // a number's literal text, as written
    if (!isPlainInteger(literal)) {
      throw errorAt(at, "expected an integer but found the number " + shorten(literal));
    }
    try {
      return Long.parseLong(literal);
    } catch (NumberFormatException e) {
      throw errorAt(at, "integer out of range: " + shorten(literal));
    }
  }

  /** Whether {@code s} is {@code -?(0|[1-9][0-9]*)}: no fraction, exponent or leading zero. */
  private static boolean isPlainInteger(String s) {
    int start = s.startsWith("-") ? 1 : 0;
    if (s.length() == start || (s.charAt(start) == '0' && s.length() > start + 1)) {
      return false;
    }
    for (int i = start; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** Checks that only whitespace follows the top-level value. */
  void endDocument() throws CheckpointException {
    JsonToken next;
    try {
      next = reader.peek();
    } catch (IOException | IllegalStateException e) {
      next = null;
    }
    if (next != JsonToken.END_DOCUMENT) {
      long at = reader.getCharacterOffset();
      throw errorAt(
          at,
          "unexpected content after the end of the header object near "
              + excerptAt(Math.max(0, at - 1)));
    }
  }

  /** The offset of the next character, for error messages. */
  long position() {
    return reader.getCharacterOffset();
  }

  private static String describe(JsonToken token) {
    return switch (token) {
      case BEGIN_OBJECT -> "an object";
      case BEGIN_ARRAY -> "an array";
      case END_OBJECT -> "'}'";
      case END_ARRAY -> "']'";
      case NAME -> "a name";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "true or false";
      case NULL -> "null";
      case END_DOCUMENT -> "the end of the header";
    };
  }

  /** {@code s} cut to {@link #EXCERPT_CHARS} characters; for text that needs no escaping. */
  private static String shorten(String s) {
    return s.length() <= EXCERPT_CHARS ? s : s.substring(0, EXCERPT_CHARS) + "...";
  }

  /**
   * Up to {@link #EXCERPT_CHARS} characters of {@code s}, quoted, with control characters escaped.
   */
  private static String excerpt(String s) {
    boolean cut = s.length() > EXCERPT_CHARS;
    StringBuilder sb = new StringBuilder();
    JsonWriter.string(sb, cut ? s.substring(0, EXCERPT_CHARS) : s);
    return cut ? sb.insert(sb.length() - 1, "...").toString() : sb.toString();
  }

  private String excerptAt(long offset) {
    int at = (int) Math.min(offset, text.length());
    return at == text.length()
        ? "the end of the header"
        : excerpt(text.substring(at, Math.min(text.length(), at + EXCERPT_CHARS + 1)));
  }

  /**
   * Gson's message without its location suffix (" at line 1 column 9 path $.name"), which we
   * replace with the offset, and with its advice to switch to lenient parsing replaced by what was
   * found.
   */
  private CheckpointException gsonError(Exception e) {
    long at = reader.getCharacterOffset();
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int location = message.indexOf(" at line ");
    if (location >= 0) {
      message = message.substring(0, location);
    }
    if (closesAfterComma(at)) {
      message = "trailing comma before '" + text.charAt((int) at - 1) + "'";
    } else if (message.startsWith("Use JsonReader.setStrictness")) {
      // Gson has usually consumed the offending character by now, hence "near" and one back.
      message = "not strict JSON near " + excerptAt(Math.max(0, at - 1));
    } else if (message.startsWith("Nesting limit")) {
      message = "nesting deeper than " + MAX_NESTING + " levels";
    } else if (message.startsWith("End of input")) {
      message = "unexpected end of the header";
    } else if (!message.isEmpty()) {
      message = Character.toLowerCase(message.charAt(0)) + message.substring(1);
    }
    return errorAt(at, excerptIfLong(message));
  }

  /** Whether the character before {@code at} closes a container right after a comma. */
  private boolean closesAfterComma(long at) {
    int i = (int) Math.min(at, text.length()) - 1;
    if (i < 0 || (text.charAt(i) != '}' && text.charAt(i) != ']')) {
      return false;
    }
    do {
      i--;
    } while (i >= 0 && " \t\n\r".indexOf(text.charAt(i)) >= 0);
    return i >= 0 && text.charAt(i) == ',';
  }

  private static String excerptIfLong(String message) {
    return message.length() <= 200 ? message : message.substring(0, 200) + "...";
  }

  private CheckpointException error(String message) {
    return errorAt(reader.getCharacterOffset(), message);
  }

  private static CheckpointException errorAt(long at, String message) {
    return new CheckpointException("header JSON at character " + at + ": " + message);
  }
}
