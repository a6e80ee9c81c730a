package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonValueTest {
  @Test
  void readsWhatPythonsJsonDumpsWrites() {
    JsonValue root =
        JsonValue.parse(
            "{\"a\": [1, -2.5e-3, 1e-05, NaN, Infinity, -Infinity], \"s\": \"q\\\"\\\\\\u00e9\\n\","
                + " \"t\": true, \"n\": null, \"o\": {}}");
    List<JsonValue> a = root.get("a").elements();
    assertEquals(1, a.get(0).asLong());
    assertEquals(-2.5e-3, a.get(1).asDouble());
    assertEquals(1e-05, a.get(2).asDouble());
    assertTrue(Double.isNaN(a.get(3).asDouble()));
    assertEquals(Double.POSITIVE_INFINITY, a.get(4).asDouble());
    assertEquals(Double.NEGATIVE_INFINITY, a.get(5).asDouble());
    assertEquals("q\"\\\u00e9\n", root.get("s").asString());
    assertTrue(root.find("n").isEmpty(), "null reads as absent");
    assertTrue(root.find("missing").isEmpty());
  }

  @Test
  void aFloat32WrittenByPythonReadsBackExactly() {
    // float(np.float32(0.1)) is written as 0.10000000149011612; narrowing gives the float32 back.
    float f = 0.1f;
    assertEquals(f, (float) JsonValue.parse(Double.toString((double) f)).asDouble());
    assertEquals(f, (float) JsonValue.parse("0.10000000149011612").asDouble());
  }

  @Test
  void wrongKindsNameThePath() {
    JsonValue root = JsonValue.parse("{\"golden\": {\"atol\": \"x\", \"n\": 1.5}}");
    JsonValue.Invalid e =
        assertThrows(JsonValue.Invalid.class, () -> root.get("golden").get("atol").asDouble());
    assertEquals("expected a number at golden.atol, found the string \"x\"", e.getMessage());
    e = assertThrows(JsonValue.Invalid.class, () -> root.get("golden").get("n").asLong());
    assertEquals("expected a whole number at golden.n, found the number 1.5", e.getMessage());
    e = assertThrows(JsonValue.Invalid.class, () -> root.get("golden").get("images"));
    assertEquals("expected a key \"images\" in golden", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "{\"a\" 1}",
        "{\"a\": 1,}",
        "[1 2]",
        "01",
        "1.",
        "\"unterminated",
        "\"bad \\x escape\"",
        "{\"a\": 1, \"a\": 2}",
        "tru",
        "1 2"
      })
  void malformedDocumentsAreRefusedWithAnOffset(String text) {
    JsonValue.Invalid e = assertThrows(JsonValue.Invalid.class, () -> JsonValue.parse(text));
    assertTrue(e.getMessage().contains(" at offset "), e.getMessage());
  }

  @Test
  void deepNestingIsRefusedRatherThanOverflowingTheStack() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);
    JsonValue.Invalid e = assertThrows(JsonValue.Invalid.class, () -> JsonValue.parse(deep));
    assertTrue(e.getMessage().contains("levels of nesting"), e.getMessage());
  }
}
