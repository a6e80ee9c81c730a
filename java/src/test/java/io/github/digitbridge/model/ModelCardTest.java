package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.model.ModelException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model cards: what is read from them, their limits at the edge, and each refusal in full. */
class ModelCardTest {
  private static final String SHA = "0123456789abcdef".repeat(4);

  private static String refusal(Path card, Reason reason) {
    ModelException e = assertThrows(ModelException.class, () -> ModelCard.read(card));
    assertEquals(reason, e.reason(), e.getMessage());
    return e.getMessage();
  }

  @Test
  void aCardGivesItsFields(@TempDir Path dir) throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("m.json"),
            "{\"name\": \"m\", \"test_accuracy\": 0.5, \"flops_per_image\": 0, \"onnx_sha256\": \""
                + SHA
                + "\"}");
    ModelCard card = ModelCard.read(file);
    assertEquals(file, card.file());
    assertEquals("m", card.name());
    assertEquals(OptionalDouble.of(0.5), card.testAccuracy());
    assertEquals(OptionalLong.of(0), card.flopsPerImage());
    assertEquals(Optional.of(SHA), card.onnxSha256());
    assertEquals("ModelCard[" + file + "]", card.toString());
    ModelCard empty = ModelCard.read(Files.writeString(dir.resolve("e.json"), "{}"));
    assertEquals("", empty.name());
    assertTrue(empty.testAccuracy().isEmpty());
    assertTrue(empty.flopsPerImage().isEmpty());
    assertTrue(empty.onnxSha256().isEmpty());
  }

  @Test
  void aCardIsBesideItsModel(@TempDir Path dir) throws Exception {
    assertEquals(dir.resolve("a.json"), ModelCard.besideModel(dir.resolve("a.onnx")));
    assertEquals(dir.resolve("a.bin.json"), ModelCard.besideModel(dir.resolve("a.bin")));
    assertEquals(dir.resolve(".json"), ModelCard.besideModel(dir.resolve(".onnx")));
    assertTrue(ModelCard.findBeside(dir.resolve("a.onnx")).isEmpty());
    Files.createDirectory(dir.resolve("a.json"));
    assertTrue(ModelCard.findBeside(dir.resolve("a.onnx")).isEmpty(), "a folder is no card");
    Files.writeString(dir.resolve("b.json"), "{\"name\": \"b\"}");
    assertEquals("b", ModelCard.findBeside(dir.resolve("b.onnx")).orElseThrow().name());
  }

  @Test
  void refusals(@TempDir Path dir) throws Exception {
    Path upper = Files.writeString(dir.resolve("u.json"), "{\"onnx_sha256\": \"ABC\"}");
    assertEquals(
        upper
            + ": CARD_INVALID: expected 64 lower-case hex digits at onnx_sha256, found the string"
            + " \"ABC\"",
        refusal(upper, Reason.CARD_INVALID));
    Path shortSha =
        Files.writeString(dir.resolve("s.json"), "{\"onnx_sha256\": \"" + SHA.substring(1) + "\"}");
    assertTrue(refusal(shortSha, Reason.CARD_INVALID).endsWith(SHA.substring(1) + "\""));
    Path negative = Files.writeString(dir.resolve("n.json"), "{\"flops_per_image\": -1}");
    assertEquals(
        negative
            + ": CARD_INVALID: expected a count from 0 at flops_per_image, found the number -1",
        refusal(negative, Reason.CARD_INVALID));
    Path list = Files.writeString(dir.resolve("l.json"), "[]");
    assertEquals(
        list + ": CARD_INVALID: expected an object at the document, found an array of 0",
        refusal(list, Reason.CARD_INVALID));
    Path missing = dir.resolve("missing.json");
    assertEquals(
        missing
            + ": IO: expected a readable model card, found: java.nio.file.NoSuchFileException: "
            + missing,
        refusal(missing, Reason.IO));
  }

  @Test
  void aCardIsAtMostOneMebibyte(@TempDir Path dir) throws Exception {
    String card = "{}" + " ".repeat(ModelFile.MAX_JSON_BYTES - 2);
    assertEquals("", ModelCard.read(Files.writeString(dir.resolve("limit.json"), card)).name());
    Path over = Files.writeString(dir.resolve("over.json"), card + " ");
    assertEquals(
        over + ": TOO_LARGE: expected a card of at most 1048576 bytes, found more",
        refusal(over, Reason.TOO_LARGE));
  }
}
