package io.github.digitbridge.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed JSON value that remembers where it sits in its document ({@code golden.atol}), so a
 * failed lookup says which key was wrong and what it held.
 *
 * <p>Our own few lines rather than a library: the contract and the model cards are small documents
 * written by Python's {@code json} module, and the library keeps ONNX Runtime as its only
 * dependency. Like Python's {@code json.loads}, it accepts {@code NaN}, {@code Infinity} and {@code
 * -Infinity}, which {@code json.dumps} writes for such floats. Numbers keep their literal text and
 * are parsed only when read, so a float32 written exactly by Python reads back exactly.
 */
final class JsonValue {
  /** A document that is not JSON, or a value of another kind than the reader expected. */
  static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message);
    }
  }

  /** A number as written, e.g. {@code 1e-05}. */
  private record Number(String literal) {}

  private static final int MAX_DEPTH = 64;
  private static final Object NULL = new Object();

  private final Object value;
  // Where this value sits, kept as a link to its parent and built into text only for a message:
  // a contract holds thousands of golden numbers, and none of them needs its path unless it is bad.
  private final JsonValue parent;
  private final Object step; // a String key or an Integer index; null for the root

  private JsonValue(Object value, JsonValue parent, Object step) {
    this.value = value;
    this.parent = parent;
    this.step = step;
  }

  /**
   * Parses a whole document.
   *
   * @throws Invalid if the text is not one JSON value, with the offset of the first problem
   */
  static JsonValue parse(String text) {
    Parser parser = new Parser(text);
    parser.skipSpace();
    Object value = parser.value(0);
    parser.skipSpace();
    if (parser.pos != text.length()) {
      throw parser.fail("expected the end of the document");
    }
    return new JsonValue(value, null, null);
  }

  /**
   * The member {@code key} of this object.
   *
   * @throws Invalid if this is not an object or has no such member
   */
  JsonValue get(String key) {
    return find(key).orElseThrow(() -> new Invalid("expected a key \"" + key + "\" in " + where()));
  }

  /**
   * The member {@code key} of this object, if present and not null.
   *
   * @throws Invalid if this is not an object
   */
  Optional<JsonValue> find(String key) {
    Object member = members().get(key);
    if (member == null || member == NULL) {
      return Optional.empty();
    }
    return Optional.of(new JsonValue(member, this, key));
  }

  /**
   * The elements of this array.
   *
   * @throws Invalid if this is not an array
   */
  List<JsonValue> elements() {
    if (!(value instanceof List<?> list)) {
      throw wrongKind("an array");
    }
    List<JsonValue> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      out.add(new JsonValue(list.get(i), this, i));
    }
    return out;
  }

  /**
   * Checks that this is an object.
   *
   * @throws Invalid if it is not
   */
  void requireObject() {
    members();
  }

  /** Whether this is a string. */
  boolean isString() {
    return value instanceof String;
  }

  /** Whether this is a number. */
  boolean isNumber() {
    return value instanceof Number;
  }

  /**
   * This string.
   *
   * @throws Invalid if this is not a string
   */
  String asString() {
    if (!(value instanceof String s)) {
      throw wrongKind("a string");
    }
    return s;
  }

  /**
   * This number as the nearest double (exact for anything Python wrote from a float).
   *
   * @throws Invalid if this is not a number
   */
  double asDouble() {
    if (!(value instanceof Number n)) {
      throw wrongKind("a number");
    }
    return Double.parseDouble(n.literal()); // also reads NaN, Infinity, -Infinity
  }

  /**
   * This number as a whole number.
   *
   * @throws Invalid if this is not a number written without fraction or exponent, or too large
   */
  long asLong() {
    if (!(value instanceof Number n) || !n.literal().matches("-?\\d+")) {
      throw wrongKind("a whole number");
    }
    try {
      return Long.parseLong(n.literal());
    } catch (NumberFormatException e) {
      throw wrongKind("a whole number within 64 bits");
    }
  }

  /** Where this value is, for messages: {@code golden.atol}, or {@code the document}. */
  String where() {
    String path = path();
    return path.isEmpty() ? "the document" : path;
  }

  /** E.g. {@code golden.images_uint8[3]}; empty for the root. */
  String path() {
    if (parent == null) {
      return "";
    }
    String above = parent.path();
    if (step instanceof Integer i) {
      return above + "[" + i + "]";
    }
    return above.isEmpty() ? (String) step : above + "." + step;
  }

  /** The kind of value this is and a short excerpt, for messages. */
  String describe() {
    if (value == NULL) {
      return "null";
    }
    if (value instanceof String s) {
      return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
    }
    if (value instanceof Number n) {
      return "the number " + n.literal();
    }
    if (value instanceof Boolean b) {
      return b.toString();
    }
    if (value instanceof List<?> list) {
      return "an array of " + list.size();
    }
    return "an object";
  }

  private Map<?, ?> members() {
    if (!(value instanceof Map<?, ?> map)) {
      throw wrongKind("an object");
    }
    return map;
  }

  private Invalid wrongKind(String expected) {
    return new Invalid("expected " + expected + " at " + where() + ", found " + describe());
  }

  /** Recursive descent over the text; {@link #pos} is the next character to read. */
  private static final class Parser {
    private final String text;
    private int pos;

    Parser(String text) {
      this.text = text;
    }

    Object value(int depth) {
      if (depth > MAX_DEPTH) {
        throw fail("expected at most " + MAX_DEPTH + " levels of nesting");
      }
      if (pos >= text.length()) {
        throw fail("expected a value");
      }
      char c = text.charAt(pos);
      switch (c) {
        case '{':
          return object(depth);
        case '[':
          return array(depth);
        case '"':
          return string();
        case 't':
          return literal("true", Boolean.TRUE);
        case 'f':
          return literal("false", Boolean.FALSE);
        case 'n':
          return literal("null", NULL);
        case 'N':
          return literal("NaN", new Number("NaN"));
        case 'I':
          return literal("Infinity", new Number("Infinity"));
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
          }
          throw fail("expected a value");
      }
    }

    private Map<String, Object> object(int depth) {
      Map<String, Object> members = new LinkedHashMap<>();
      pos++; // '{'
      skipSpace();
      if (peek('}')) {
        pos++;
        return members;
      }
      while (true) {
        skipSpace();
        if (!peek('"')) {
          throw fail("expected a string key");
        }
        String key = string();
        skipSpace();
        expect(':');
        skipSpace();
        if (members.put(key, value(depth + 1)) != null) {
          throw fail("expected each key once, found \"" + key + "\" twice");
        }
        skipSpace();
        if (peek(',')) {
          pos++;
        } else {
          expect('}');
          return members;
        }
      }
    }

    private List<Object> array(int depth) {
      List<Object> elements = new ArrayList<>();
      pos++; // '['
      skipSpace();
      if (peek(']')) {
        pos++;
        return Collections.unmodifiableList(elements);
      }
      while (true) {
        skipSpace();
        elements.add(value(depth + 1));
        skipSpace();
        if (peek(',')) {
          pos++;
        } else {
          expect(']');
          return Collections.unmodifiableList(elements);
        }
      }
    }

    private String string() {
      StringBuilder sb = new StringBuilder();
      pos++; // opening quote
      while (true) {
        if (pos >= text.length()) {
          throw fail("expected a closing quote");
        }
        char c = text.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c < 0x20) {
          throw fail("expected no control characters inside a string");
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= text.length()) {
          throw fail("expected an escape after a backslash");
        }
        char e = text.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > text.length()) {
              throw fail("expected four hex digits after \\u");
            }
            try {
              sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw fail("expected four hex digits after \\u");
            }
            pos += 4;
          }
          default -> throw fail("expected a valid escape, found \\" + e);
        }
      }
    }

    private Number number() {
      int start = pos;
      if (peek('-')) {
        pos++;
        if (text.startsWith("Infinity", pos)) {
          pos += "Infinity".length();
          return new Number("-Infinity");
        }
      }
      if (peek('0')) {
        pos++;
      } else if (!digits()) {
        throw fail("expected a digit");
      }
      if (peek('.')) {
        pos++;
        if (!digits()) {
          throw fail("expected a digit after the decimal point");
        }
      }
      if (peek('e') || peek('E')) {
        pos++;
        if (peek('+') || peek('-')) {
          pos++;
        }
        if (!digits()) {
          throw fail("expected a digit in the exponent");
        }
      }
      return new Number(text.substring(start, pos));
    }

    private boolean digits() {
      int start = pos;
      while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
        pos++;
      }
      return pos > start;
    }

    private Object literal(String word, Object value) {
      if (!text.startsWith(word, pos)) {
        throw fail("expected a value");
      }
      pos += word.length();
      return value;
    }

    private boolean peek(char c) {
      return pos < text.length() && text.charAt(pos) == c;
    }

    private void expect(char c) {
      if (!peek(c)) {
        throw fail("expected '" + c + "'");
      }
      pos++;
    }

    void skipSpace() {
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        pos++;
      }
    }

    Invalid fail(String expected) {
      String found =
          pos >= text.length()
              ? "the end of the text"
              : "'" + text.substring(pos, Math.min(text.length(), pos + 10)) + "'";
      return new Invalid(expected + " at offset " + pos + ", found " + found);
    }
  }
}
