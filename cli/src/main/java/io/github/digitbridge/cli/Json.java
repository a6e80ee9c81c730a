package io.github.digitbridge.cli;

import java.util.List;

/**
 * A one-line JSON object written field by field, spaced like Python's {@code json.dumps} so the two
 * inspectors print the same text.
 */
final class Json {
  private final StringBuilder text = new StringBuilder("{");

  Json field(String key, String value) {
    key(key).append(quote(value));
    return this;
  }

  Json field(String key, long value) {
    key(key).append(value);
    return this;
  }

  Json field(String key, boolean value) {
    key(key).append(value);
    return this;
  }

  /** A double as Java prints it: the same digits as Python's repr except in exponent form. */
  Json field(String key, double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(
          "expected a finite number for " + key + ", found " + value);
    }
    key(key).append(value);
    return this;
  }

  Json field(String key, List<String> values) {
    StringBuilder sb = key(key).append('[');
    for (int i = 0; i < values.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(quote(values.get(i)));
    }
    sb.append(']');
    return this;
  }

  /** A value that is already JSON text, such as an object from {@code Evaluation.toJson()}. */
  Json raw(String key, String json) {
    key(key).append(json);
    return this;
  }

  Json field(String key, int[] values) {
    StringBuilder sb = key(key).append('[');
    for (int i = 0; i < values.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(values[i]);
    }
    sb.append(']');
    return this;
  }

  private StringBuilder key(String key) {
    if (text.length() > 1) {
      text.append(", ");
    }
    return text.append(quote(key)).append(": ");
  }

  @Override
  public String toString() {
    return text + "}";
  }

  /** A JSON string literal; non-ASCII characters become escapes, as with Python's default. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
