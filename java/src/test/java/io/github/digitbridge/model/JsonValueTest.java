package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
        "1 2",
        "+1",
        ".5",
        "+Infinity",
        "-INF",
        "nan",
        "{\"a\": 1} // comment",
        "{'a': 1}",
        "{a: 1}",
        "[1, 2,]",
        "\"tab\tinside\""
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

  @Test
  void aRepeatedKeyIsRefusedAtAnyDepth() {
    for (String text : List.of("{\"a\": 1, \"a\": 1}", "{\"o\": {\"b\": [], \"b\": {}}}")) {
      JsonValue.Invalid e = assertThrows(JsonValue.Invalid.class, () -> JsonValue.parse(text));
      assertTrue(e.getMessage().contains(" at offset "), e.getMessage());
    }
  }

  @Test
  void nestingIsBoundedAtExactly64LevelsBelowTheDocument() {
    int levels = JsonValue.MAX_DEPTH;
    // The document's own array and 64 levels below it, the deepest empty: accepted.
    JsonValue.parse("[".repeat(levels + 1) + "]".repeat(levels + 1));
    // A value in the deepest array would be a 65th level.
    for (String text :
        List.of(
            "[".repeat(levels + 1) + "1" + "]".repeat(levels + 1),
            "[".repeat(levels + 2) + "]".repeat(levels + 2),
            "{\"a\": ".repeat(levels + 2) + "{}" + "}".repeat(levels + 2))) {
      JsonValue.Invalid e = assertThrows(JsonValue.Invalid.class, () -> JsonValue.parse(text));
      assertTrue(e.getMessage().contains("expected at most 64 levels of nesting"), e.getMessage());
    }
  }

  @Test
  void wholeNumbersAreExactAndFractionsAreNotWholeNumbers() {
    // 2^53 + 1 has no double: read through a double it would come back as 2^53.
    assertEquals(9007199254740993L, JsonValue.parse("9007199254740993").asLong());
    assertEquals(Long.MIN_VALUE, JsonValue.parse("-9223372036854775808").asLong());
    for (String text : List.of("1.0", "1e2", "1E2", "2.5", "NaN", "Infinity")) {
      JsonValue.Invalid e =
          assertThrows(JsonValue.Invalid.class, () -> JsonValue.parse(text).asLong());
      assertEquals(
          "expected a whole number at the document, found the number " + text, e.getMessage());
    }
    JsonValue.Invalid e =
        assertThrows(
            JsonValue.Invalid.class, () -> JsonValue.parse("9223372036854775808").asLong());
    assertEquals(
        "expected a whole number within 64 bits at the document, found the number"
            + " 9223372036854775808",
        e.getMessage());
  }

  @Test
  void numbersKeepTheirLiteralForMessagesAndRoundOnceToDouble() {
    assertEquals("the number 1e300", JsonValue.parse("1e300").describe());
    assertEquals("the number 1e-05", JsonValue.parse("1e-05").describe());
    assertEquals("the number -0.0", JsonValue.parse("-0.0").describe());
    assertEquals(1e300, JsonValue.parse("1e300").asDouble());
    assertEquals(Double.POSITIVE_INFINITY, JsonValue.parse("1e400").asDouble());
    // Nearest double to the whole literal: 0.1 + 2^-57 + a little rounds up, not to 0.1.
    assertEquals(
        Double.parseDouble("0.100000000000000013877787807814456755295395851135253906250001"),
        JsonValue.parse("0.100000000000000013877787807814456755295395851135253906250001")
            .asDouble());
  }

  @Test
  void aDocumentOverTheSizeBoundIsRefusedByTheParserToo() {
    String big = "\"" + "x".repeat(ModelFile.MAX_JSON_BYTES) + "\"";
    JsonValue.Invalid e = assertThrows(JsonValue.Invalid.class, () -> JsonValue.parse(big));
    assertTrue(e.getMessage().startsWith("expected JSON, found: "), e.getMessage());
  }

  @Test
  void aCardTooLargeOrNotUtf8IsRefusedBeforeItIsParsed(@TempDir Path tmp) throws Exception {
    Path big = Files.writeString(tmp.resolve("big.json"), " ".repeat(ModelFile.MAX_JSON_BYTES + 1));
    ModelException e = assertThrows(ModelException.class, () -> ModelCard.read(big));
    assertEquals(ModelException.Reason.TOO_LARGE, e.reason());
    Path latin1 = Files.write(tmp.resolve("latin1.json"), new byte[] {'{', '"', (byte) 0xe9, '"'});
    e = assertThrows(ModelException.class, () -> ModelCard.read(latin1));
    assertEquals(ModelException.Reason.CARD_INVALID, e.reason());
    assertTrue(e.detail().contains("UTF-8"), e.getMessage());
  }

  @Test
  void valuesDescribeThemselvesForMessages() {
    assertEquals("null", JsonValue.parse("null").describe());
    assertEquals("true", JsonValue.parse("true").describe());
    assertEquals("an object", JsonValue.parse("{}").describe());
    assertEquals("an array of 2", JsonValue.parse("[1, 2]").describe());
    String forty = "y".repeat(40);
    assertEquals("the string \"" + forty + "\"", JsonValue.parse("\"" + forty + "\"").describe());
    assertEquals(
        "the string \"" + forty + "...\"", JsonValue.parse("\"" + forty + "z\"").describe());
    assertTrue(JsonValue.parse("1").isNumber());
    assertFalse(JsonValue.parse("\"1\"").isNumber());
  }

  @Test
  void aSecondValueIsRefusedNamingItsFirstTenCharacters() {
    assertEquals(
        "expected the end of the document at offset 4, found '1'",
        assertThrows(JsonValue.Invalid.class, () -> JsonValue.parse("\"x\" 1")).getMessage());
    assertEquals(
        "expected the end of the document at offset 3, found '0123456789'",
        assertThrows(JsonValue.Invalid.class, () -> JsonValue.parse("[] \"0123456789abc\""))
            .getMessage());
  }
}
