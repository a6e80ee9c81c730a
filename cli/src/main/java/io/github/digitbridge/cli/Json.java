package io.github.digitbridge.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.digitbridge.model.Evaluation;
import java.io.IOException;
import java.util.List;

/**
 * A one-line JSON object built field by field and written by Jackson the way Python's {@code
 * json.dumps} writes it, so the two inspectors print the same text: {@code ", "} and {@code ": "}
 * between items, every character outside printable ASCII as a lower-case {@code \}{@code uXXXX}
 * escape, doubles as Java prints them (the same digits as Python's repr except in exponent form).
 */
final class Json {
  private static final ObjectWriter WRITER =
      new ObjectMapper().writer(new PythonSpacing()).with(new PythonEscapes());

  private final ObjectNode node = JsonNodeFactory.instance.objectNode();

  Json field(String key, String value) {
    node.put(key, value);
    return this;
  }

  Json field(String key, long value) {
    node.put(key, value);
    return this;
  }

  /** A whole number, or null (JSON's {@code null}) when there is none. */
  Json field(String key, Integer value) {
    if (value == null) {
      node.putNull(key);
    } else {
      node.put(key, value.intValue());
    }
    return this;
  }

  Json field(String key, boolean value) {
    node.put(key, value);
    return this;
  }

  /** A finite double; NaN and the infinities are not JSON and would be a bug here. */
  Json field(String key, double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(
          "expected a finite number for " + key + ", found " + value);
    }
    node.put(key, value);
    return this;
  }

  Json field(String key, List<String> values) {
    values.forEach(node.putArray(key)::add);
    return this;
  }

  Json field(String key, int[] values) {
    ArrayNode array = node.putArray(key);
    for (int value : values) {
      array.add(value);
    }
    return this;
  }

  /** A nested object. */
  Json field(String key, Json value) {
    node.set(key, value.node);
    return this;
  }

  /** An array of objects. */
  Json objects(String key, List<Json> values) {
    ArrayNode array = node.putArray(key);
    values.forEach(v -> array.add(v.node));
    return this;
  }

  Json field(String key, double[] values) {
    ArrayNode array = node.putArray(key);
    for (double value : values) {
      array.add(value);
    }
    return this;
  }

  /** Rows of numbers, such as a confusion matrix. */
  Json field(String key, int[][] rows) {
    ArrayNode array = node.putArray(key);
    for (int[] row : rows) {
      ArrayNode inner = array.addArray();
      for (int value : row) {
        inner.add(value);
      }
    }
    return this;
  }

  /**
   * An evaluation as one object: {@code count}, {@code correct}, {@code accuracy}, and per class
   * {@code precision}, {@code recall}, {@code support}, then {@code confusion} (rows = true labels)
   * and {@code misclassified}.
   */
  static Json of(Evaluation e) {
    int classes = e.classes();
    double[] precision = new double[classes];
    double[] recall = new double[classes];
    int[] support = new int[classes];
    for (int c = 0; c < classes; c++) {
      precision[c] = e.precision(c);
      recall[c] = e.recall(c);
      support[c] = e.support(c);
    }
    return new Json()
        .field("count", e.count())
        .field("correct", e.correct())
        .field("accuracy", e.accuracy())
        .field("classes", classes)
        .field("precision", precision)
        .field("recall", recall)
        .field("support", support)
        .field("confusion", e.confusionMatrix())
        .field("misclassified", e.misclassified());
  }

  @Override
  public String toString() {
    try {
      return WRITER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain values always writes", e);
    }
  }

  /** Python's default separators, on one line. */
  private static final class PythonSpacing extends MinimalPrettyPrinter {
    private static final long serialVersionUID = 1L;

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }
  }

  /**
   * Python's {@code ensure_ascii}: {@code \n}-style escapes where JSON has them, and a lower-case
   * {@code \}{@code uXXXX} for every other control character, DEL and every non-ASCII UTF-16 unit
   * (so a character outside the BMP becomes its two surrogates, as in Python). Jackson's own
   * escapes are upper-case and leave DEL as it is.
   */
  private static final class PythonEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private static final int[] ASCII = ascii();

    private static int[] ascii() {
      int[] codes = standardAsciiEscapesForJSON();
      for (int c = 0; c < codes.length; c++) {
        if (codes[c] == ESCAPE_STANDARD) {
          codes[c] = ESCAPE_CUSTOM;
        }
      }
      codes[0x7f] = ESCAPE_CUSTOM;
      return codes;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ASCII;
    }

    @Override
    public SerializableString getEscapeSequence(int c) {
      return c < 0x20 || c >= 0x7f ? new SerializedString(String.format("\\u%04x", c)) : null;
    }
  }
}
