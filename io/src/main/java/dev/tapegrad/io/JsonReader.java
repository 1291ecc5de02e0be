package dev.tapegrad.io;

/**
 * A strict pull reader for the small subset of JSON that safetensors headers use: objects, arrays,
 * strings and integers. Anything else ({@code true}, {@code null}, fractions, exponents, {@code
 * NaN}, comments, trailing commas, unpaired surrogates, raw control characters) is an error.
 *
 * <p>The caller drives the reader with the structure it expects ({@code beginObject}, {@code
 * hasNext}, {@code nextName}, ...), so a hostile document fails at its first unexpected token and
 * nothing is ever built that the caller did not ask for. Nesting is limited to {@link #MAX_DEPTH}
 * levels and nothing recurses, so deep input can neither overflow the stack nor grow a tree.
 *
 * <p>Every error is a {@link CheckpointException} whose message gives the character offset.
 */
final class JsonReader {
  /** Deepest nesting of objects and arrays accepted; safetensors headers need three levels. */
  static final int MAX_DEPTH = 64;

  private final String text;
  private int pos;
  /** For each open container: whether a member has been read, so the next needs a comma. */
  private final boolean[] seenMember = new boolean[MAX_DEPTH];
  /** For each open container: '}' or ']'. */
  private final char[] closer = new char[MAX_DEPTH];
  private int depth;

  JsonReader(String text) {
    this.text = text;
  }

  /** Consumes the '{' that opens an object. */
  void beginObject() throws CheckpointException {
    open('{', '}', "an object");
  }

  /** Consumes the '}' that closes the current object; call when {@link #hasNext} is false. */
  void endObject() throws CheckpointException {
    close('}');
  }

  /** Consumes the '[' that opens an array. */
  void beginArray() throws CheckpointException {
    open('[', ']', "an array");
  }

  /** Consumes the ']' that closes the current array; call when {@link #hasNext} is false. */
  void endArray() throws CheckpointException {
    close(']');
  }

  /**
   * Whether the current object or array has another member; consumes the comma before it. A
   * trailing comma is an error.
   */
  boolean hasNext() throws CheckpointException {
    if (depth == 0) {
      throw error("hasNext outside any object or array");
    }
    int c = peek();
    if (c == closer[depth - 1]) {
      return false;
    }
    if (seenMember[depth - 1]) {
      if (c != ',') {
        throw error("expected ',' or '" + closer[depth - 1] + "' but found " + describe(c));
      }
      pos++;
      int next = peek();
      if (next == closer[depth - 1]) {
        throw error("trailing comma before '" + closer[depth - 1] + "'");
      }
    }
    seenMember[depth - 1] = true;
    return true;
  }

  /** Reads a member name and the ':' after it. */
  String nextName() throws CheckpointException {
    if (depth == 0 || closer[depth - 1] != '}') {
      throw error("nextName outside an object");
    }
    String name = nextString();
    int c = peek();
    if (c != ':') {
      throw error("expected ':' after member name but found " + describe(c));
    }
    pos++;
    return name;
  }

  /** Whether the next value is a string (without consuming it). */
  boolean peekIsString() throws CheckpointException {
    return peek() == '"';
  }

  /** Reads a string value. */
  String nextString() throws CheckpointException {
    int c = peek();
    if (c != '"') {
      throw error("expected a string but found " + describe(c));
    }
    int start = ++pos;
    // Fast path: no escapes.
    while (pos < text.length()) {
      char ch = text.charAt(pos);
      if (ch == '"') {
        return text.substring(start, pos++);
      }
      if (ch == '\\' || ch < 0x20) {
        break;
      }
      pos++;
    }
    StringBuilder sb = new StringBuilder(text.substring(start, pos));
    while (true) {
      if (pos >= text.length()) {
        throw errorAt(start - 1, "unterminated string");
      }
      char ch = text.charAt(pos);
      if (ch == '"') {
        pos++;
        return sb.toString();
      }
      if (ch < 0x20) {
        throw error(String.format("raw control character U+%04X in a string", (int) ch));
      }
      if (ch != '\\') {
        sb.append(ch);
        pos++;
        continue;
      }
      if (pos + 1 >= text.length()) {
        throw errorAt(start - 1, "unterminated string");
      }
      char e = text.charAt(pos + 1);
      pos += 2;
      switch (e) {
        case '"' -> sb.append('"');
        case '\\' -> sb.append('\\');
        case '/' -> sb.append('/');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> appendUnicodeEscape(sb);
        default -> {
          pos -= 2;
          throw error("invalid escape '\\" + printable(e) + "'");
        }
      }
    }
  }

  /** Reads {@code \}uXXXX (the backslash and u already consumed), joining surrogate pairs. */
  private void appendUnicodeEscape(StringBuilder sb) throws CheckpointException {
    int escapeStart = pos - 2;
    char ch = hex4();
    if (Character.isHighSurrogate(ch)) {
      if (pos + 1 < text.length() && text.charAt(pos) == '\\' && text.charAt(pos + 1) == 'u') {
        pos += 2;
        char low = hex4();
        if (Character.isLowSurrogate(low)) {
          sb.append(ch).append(low);
          return;
        }
      }
      throw errorAt(escapeStart, "unpaired surrogate escape in a string");
    }
    if (Character.isLowSurrogate(ch)) {
      throw errorAt(escapeStart, "unpaired surrogate escape in a string");
    }
    sb.append(ch);
  }

  private char hex4() throws CheckpointException {
    if (pos + 4 > text.length()) {
      throw error("truncated \\u escape");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(text.charAt(pos + i), 16);
      // Character.digit accepts non-ASCII digits; JSON does not.
      if (d < 0 || text.charAt(pos + i) > 'f') {
        throw error("invalid hex digit in \\u escape");
      }
      v = v * 16 + d;
    }
    pos += 4;
    return (char) v;
  }

  /**
   * Reads an integer value: an optional '-', then digits without leading zeros. Fractions and
   * exponents are errors, as are values outside the range of a {@code long}.
   */
  long nextLong() throws CheckpointException {
    int c = peek();
    int start = pos;
    boolean negative = c == '-';
    if (negative) {
      pos++;
    }
    if (pos >= text.length() || !isDigit(text.charAt(pos))) {
      pos = start;
      throw error("expected an integer but found " + describe(c));
    }
    if (text.charAt(pos) == '0' && pos + 1 < text.length() && isDigit(text.charAt(pos + 1))) {
      throw errorAt(start, "integer with a leading zero");
    }
    long value = 0;
    while (pos < text.length() && isDigit(text.charAt(pos))) {
      int d = text.charAt(pos) - '0';
      // Accumulate negatively so that Long.MIN_VALUE is representable; detect overflow exactly.
      if (value < (Long.MIN_VALUE + d) / 10) {
        throw errorAt(start, "integer out of range: " + excerpt(start));
      }
      value = value * 10 - d;
      pos++;
    }
    if (pos < text.length()) {
      char next = text.charAt(pos);
      if (next == '.' || next == 'e' || next == 'E') {
        throw errorAt(start, "expected an integer but found the number " + excerpt(start));
      }
    }
    if (!negative) {
      if (value == Long.MIN_VALUE) {
        throw errorAt(start, "integer out of range: " + excerpt(start));
      }
      value = -value;
    }
    return value;
  }

  /** Checks that only whitespace follows the top-level value. */
  void endDocument() throws CheckpointException {
    int c = peek();
    if (depth != 0 || c != -1) {
      throw error("unexpected " + describe(c) + " after the end of the header object");
    }
  }

  /** The offset of the next character, for error messages. */
  int position() {
    return pos;
  }

  private void open(char opener, char closing, String what) throws CheckpointException {
    int c = peek();
    if (c != opener) {
      throw error("expected " + what + " but found " + describe(c));
    }
    if (depth == MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH + " levels");
    }
    pos++;
    seenMember[depth] = false;
    closer[depth] = closing;
    depth++;
  }

  private void close(char closing) throws CheckpointException {
    int c = peek();
    if (depth == 0 || closer[depth - 1] != closing || c != closing) {
      throw error("expected '" + closing + "' but found " + describe(c));
    }
    pos++;
    depth--;
  }

  /** Skips JSON whitespace and returns the next character without consuming it, or -1 at the end. */
  private int peek() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return c;
      }
      pos++;
    }
    return -1;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private String describe(int c) {
    return c == -1 ? "the end of the header" : "'" + printable((char) c) + "'";
  }

  private static String printable(char c) {
    return c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c);
  }

  private String excerpt(int start) {
    int end = start;
    while (end < text.length() && end - start < 40 && "+-.eE0123456789".indexOf(text.charAt(end)) >= 0) {
      end++;
    }
    return text.substring(start, end);
  }

  private CheckpointException error(String message) {
    return errorAt(pos, message);
  }

  private CheckpointException errorAt(int at, String message) {
    return new CheckpointException("header JSON at character " + at + ": " + message);
  }
}
