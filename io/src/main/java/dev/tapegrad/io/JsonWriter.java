package dev.tapegrad.io;

/**
 * Writes JSON strings the way the reference safetensors implementation (serde_json) and Python's
 * {@code json.dumps(..., ensure_ascii=False)} do, so that headers come out byte for byte the same:
 * quote and backslash escaped, the control characters below U+0020 as short escapes or {@code
 * \}u00xx, everything else as is.
 */
final class JsonWriter {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonWriter() {}

  /** Appends {@code value} as a quoted JSON string. */
  static StringBuilder string(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"');
  }
}
