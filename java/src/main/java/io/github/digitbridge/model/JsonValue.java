package io.github.digitbridge.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed JSON value that remembers where it sits in its document ({@code golden.atol}), so a
 * failed lookup says which key was wrong and what it held.
 *
 * <p>Jackson's streaming parser reads the text, held to what Python's {@code json} module writes
 * and nothing looser: no comments, trailing commas, leading zeros or other leniency; each key once
 * per object; at most {@value #MAX_DEPTH} levels of nesting below the document. Like Python's
 * {@code json.loads}, it accepts {@code NaN}, {@code Infinity} and {@code -Infinity}, which {@code
 * json.dumps} writes for such floats. Numbers keep their literal text and are converted only when
 * read, exactly: whole numbers through {@link BigInteger}, others straight from the text to the
 * nearest double, so a float32 written exactly by Python reads back exactly and a fraction is never
 * taken for a whole number. {@link #write} writes JSON as {@code json.dumps} spaces it.
 */
final class JsonValue {
  /** A document that is not JSON, or a value of another kind than the reader expected. */
  static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message);
    }
  }

  /**
   * A number as written, e.g. {@code 1e-05}.
   *
   * @param whole written without fraction or exponent
   */
  private record Number(String literal, boolean whole) {}

  /** Levels of nesting below the document's own value: the containers at this depth hold none. */
  static final int MAX_DEPTH = 64;

  private static final Set<String> NON_FINITE = Set.of("NaN", "Infinity", "-Infinity");
  private static final Pattern DIGITS = Pattern.compile("-?[0-9]");
  private static final Object NULL = new Object();
  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  // Jackson counts open containers: the document's own is one more than our levels.
                  .maxNestingDepth(MAX_DEPTH + 1)
                  .maxDocumentLength(ModelFile.MAX_JSON_BYTES)
                  .build())
          .build();

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
    try (JsonParser parser = FACTORY.createParser(text)) {
      if (parser.nextToken() == null) {
        throw fail(parser, "expected a value");
      }
      Object value = value(parser, 0);
      if (parser.nextToken() != null) {
        throw fail(parser, "expected the end of the document");
      }
      return new JsonValue(value, null, null);
    } catch (StreamConstraintsException e) {
      throw nestingOrLimit(e);
    } catch (JsonProcessingException e) {
      throw new Invalid("expected JSON, found: " + e.getOriginalMessage() + offset(e));
    } catch (IOException e) {
      throw new Invalid("expected JSON, found: " + e.getMessage()); // a String has no I/O to fail
    }
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
   * The elements of this array as whole numbers, if each is one of at most 18 digits (as {@link
   * #asLong} reads it): a golden image's hundreds of pixels in one pass, without a value object per
   * pixel, which was a large part of a contract's parse at start-up. Null when any element is not
   * such a number; the caller then reads the elements one by one, whose errors say which and why.
   *
   * @throws Invalid if this is not an array
   */
  long[] wholeNumbers() {
    if (!(value instanceof List<?> list)) {
      throw wrongKind("an array");
    }
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Number n) || !n.whole() || n.literal().length() > 18) {
        return null;
      }
      out[i] = Long.parseLong(n.literal());
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
    // The nearest double to the whole literal, in one rounding; also reads NaN and the infinities.
    return Double.parseDouble(n.literal());
  }

  /**
   * This number as a whole number.
   *
   * @throws Invalid if this is not a number written without fraction or exponent, or too large
   */
  long asLong() {
    if (!(value instanceof Number n) || !n.whole()) {
      throw wrongKind("a whole number");
    }
    String literal = n.literal();
    if (literal.length() <= 18) { // at most 18 digits (and a sign) always fit: no BigInteger
      return Long.parseLong(literal);
    }
    try {
      return new BigInteger(literal).longValueExact();
    } catch (ArithmeticException e) {
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

  /** The value whose first token the parser is on; {@code depth} levels below the document. */
  private static Object value(JsonParser parser, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw fail(parser, "expected at most " + MAX_DEPTH + " levels of nesting");
    }
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT:
        Map<String, Object> members = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String key = parser.currentName();
          parser.nextToken();
          members.put(key, value(parser, depth + 1)); // a repeated key fails in the parser
        }
        return members;
      case START_ARRAY:
        List<Object> elements = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          elements.add(value(parser, depth + 1));
        }
        return Collections.unmodifiableList(elements);
      case VALUE_STRING:
        return parser.getText();
      case VALUE_NUMBER_INT:
        return new Number(parser.getText(), true);
      case VALUE_NUMBER_FLOAT:
        String literal = parser.getText();
        // Jackson's non-numeric numbers also take +Infinity and INF, which Python does not write.
        if (!DIGITS.matcher(literal).lookingAt() && !NON_FINITE.contains(literal)) {
          throw fail(parser, "expected a value");
        }
        return new Number(literal, false);
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return NULL;
      default:
        throw fail(parser, "expected a value");
    }
  }

  private static Invalid fail(JsonParser parser, String expected) {
    return new Invalid(
        expected
            + " at offset "
            + parser.currentTokenLocation().getCharOffset()
            + ", found "
            + (parser.currentToken() == null ? "the end of the text" : "'" + text(parser) + "'"));
  }

  private static String text(JsonParser parser) {
    try {
      String text = parser.getText();
      return text.length() > 10 ? text.substring(0, 10) : text;
    } catch (IOException e) {
      return parser.currentToken().asString();
    }
  }

  /** Too deep a document gets the same words as from our own check; other limits Jackson's. */
  private static Invalid nestingOrLimit(StreamConstraintsException e) {
    if (e.getOriginalMessage().contains("nesting depth")) {
      return new Invalid("expected at most " + MAX_DEPTH + " levels of nesting" + offset(e));
    }
    return new Invalid("expected JSON, found: " + e.getOriginalMessage() + offset(e));
  }

  private static String offset(JsonProcessingException e) {
    return e.getLocation() == null ? "" : " at offset " + e.getLocation().getCharOffset();
  }
}
