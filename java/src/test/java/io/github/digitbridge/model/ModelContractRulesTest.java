package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.model.ModelException.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every rule of the contract on a small one (2x2 images, 2 classes, 2 golden pairs), each refusal
 * asserted as its whole line: the message is what a user reads to fix the model.
 */
class ModelContractRulesTest {
  private static final String SMALL =
      """
      {"format": "digitbridge-contract/1", "name": "small",
       "input": {"name": "image", "dtype": "float32", "shape": ["N", 2, 2, 1]},
       "output": {"name": "probabilities", "dtype": "float32", "shape": ["N", 2]},
       "preprocessing": {"pixel_scale": "value / 255 as float32", "layout": "NHWC",
         "polarity": "white digit on black background", "size": [2, 2], "source_dtype": "uint8"},
       "labels": ["no", "yes"],
       "golden": {"source": "keras", "atol": 1e-05,
         "images_uint8": [[0, 1, 254, 255], [9, 8, 7, 6]],
         "probabilities": [[0.25, 0.75], [1.0, 0.0]]},
       "test_accuracy": 0.5}
      """;

  private static ModelContract parse(String json) throws ModelException {
    return ModelContract.parse(json, "m.onnx");
  }

  @Test
  void readsEveryField() throws ModelException {
    ModelContract c = parse(SMALL);
    assertEquals("small", c.name());
    assertEquals(SMALL, c.json());
    assertEquals(
        new ModelContract.Tensor("image", "float32", List.of("N", "2", "2", "1")), c.input());
    assertEquals(
        new ModelContract.Tensor("probabilities", "float32", List.of("N", "2")), c.output());
    assertEquals(2, c.height());
    assertEquals(2, c.width());
    assertEquals(4, c.pixelsPerImage());
    assertEquals(2, c.classes());
    assertEquals(List.of("no", "yes"), c.labels());
    assertEquals("white digit on black background", c.polarity());
    assertEquals(0.5, c.testAccuracy().getAsDouble());
    ModelContract.Golden golden = c.golden();
    assertEquals("keras", golden.source());
    assertEquals(1e-5, golden.atol());
    assertEquals(2, golden.count());
    assertArrayEquals(new byte[] {0, 1, (byte) 254, (byte) 255, 9, 8, 7, 6}, golden.pixels());
    assertArrayEquals(new float[] {0.25f, 0.75f, 1.0f, 0.0f}, golden.probabilities());
    assertEquals(
        "ModelContract[small: image float32 [N, 2, 2, 1] -> probabilities float32 [N, 2]]",
        c.toString());
    assertEquals("image float32 [N, 2, 2, 1]", c.input().toString());
  }

  @Test
  void theGoldenArraysAreCopiesEachWay() throws ModelException {
    ModelContract.Golden golden = parse(SMALL).golden();
    golden.pixels()[0] = 5;
    golden.probabilities()[0] = 5f;
    assertEquals(0, golden.pixels()[0]);
    assertEquals(0.25f, golden.probabilities()[0]);
    byte[] pixels = {1};
    float[] probabilities = {1f};
    ModelContract.Golden made = new ModelContract.Golden("s", 1e-5, 1, pixels, probabilities);
    pixels[0] = 2;
    probabilities[0] = 2f;
    assertEquals(1, made.pixels()[0]);
    assertEquals(1f, made.probabilities()[0]);
  }

  @Test
  void optionalFieldsDefault() throws ModelException {
    ModelContract c =
        parse(
            SMALL
                .replace("\"polarity\": \"white digit on black background\", ", "")
                .replace("\"source\": \"keras\", ", "")
                .replace(",\n \"test_accuracy\": 0.5", ""));
    assertEquals("unspecified", c.polarity());
    assertEquals("unspecified", c.golden().source());
    assertTrue(c.testAccuracy().isEmpty());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "atol at its bound | \"atol\": 1e-05 | \"atol\": 0.001",
        "sizes at their bounds | [\"N\", 2, 2, 1] | [\"N\", 1, 4, 1]",
        "accuracy 1 | \"test_accuracy\": 0.5 | \"test_accuracy\": 1",
        "accuracy 0 | \"test_accuracy\": 0.5 | \"test_accuracy\": 0",
        "a named batch | [\"N\", 2, 2, 1] | [\"batch\", 2, 2, 1]",
        "one golden pair | [[0, 1, 254, 255], [9, 8, 7, 6]] | [[0, 1, 254, 255]]",
      })
  void valuesAtTheEdgesAreAccepted(String what, String from, String to) throws ModelException {
    String changed = SMALL.replace(from, to);
    if (what.startsWith("sizes")) {
      changed = changed.replace("\"size\": [2, 2]", "\"size\": [1, 4]");
    }
    if (what.startsWith("one golden")) {
      changed = changed.replace("[[0.25, 0.75], [1.0, 0.0]]", "[[0.25, 0.75]]");
    }
    assertNotEquals(SMALL, changed);
    assertEquals("small", parse(changed).name());
  }

  @Test
  void aThousandClassesAreAccepted() throws ModelException {
    StringBuilder labels = new StringBuilder();
    StringBuilder row = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      labels.append(i == 0 ? "" : ", ").append('"').append(i).append('"');
      row.append(i == 0 ? "" : ", ").append("0.0");
    }
    String json =
        SMALL
            .replace("[\"N\", 2]", "[\"N\", 1000]")
            .replace("[\"no\", \"yes\"]", "[" + labels + "]")
            .replace("[[0.25, 0.75], [1.0, 0.0]]", "[[" + row + "], [" + row + "]]");
    assertEquals(1000, parse(json).classes());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "source dtype | \"uint8\" | \"uint16\""
            + " | expected preprocessing.source_dtype \"uint8\" (the only one this runtime"
            + " implements), found \"uint16\"",
        "pixel scale | value / 255 as float32 | v"
            + " | expected preprocessing.pixel_scale \"value / 255 as float32\" (the only one this"
            + " runtime implements), found \"v\"",
        "size one item | \"size\": [2, 2] | \"size\": [2]"
            + " | expected preprocessing.size [H, W], found 1 items",
        "size three items | \"size\": [2, 2] | \"size\": [2, 2, 1]"
            + " | expected preprocessing.size [H, W], found 3 items",
        "size 0 | \"size\": [2, 2] | \"size\": [2, 0]"
            + " | expected a size from 1 to 1024 at preprocessing.size[1], found the number 0",
        "size 1025 | \"size\": [2, 2] | \"size\": [1025, 2]"
            + " | expected a size from 1 to 1024 at preprocessing.size[0], found the number 1025",
        "input unlike size | \"size\": [2, 2] | \"size\": [2, 3]"
            + " | expected input.shape [N, 2, 3, 1], found [N, 2, 2, 1]",
        "input fixed batch | [\"N\", 2, 2, 1] | [2, 2, 2, 1]"
            + " | expected input.shape [N, 2, 2, 1], found [2, 2, 2, 1]",
        "input five dims | [\"N\", 2, 2, 1] | [\"N\", 2, 2, 1, 1]"
            + " | expected input.shape [N, 2, 2, 1], found [N, 2, 2, 1, 1]",
        "input two channels | [\"N\", 2, 2, 1] | [\"N\", 2, 2, 2]"
            + " | expected input.shape [N, 2, 2, 1], found [N, 2, 2, 2]",
        "input empty name | \"name\": \"image\" | \"name\": \"\""
            + " | expected a non-empty input.name, found an empty string",
        "output dtype | \"name\": \"probabilities\", \"dtype\": \"float32\""
            + " | \"name\": \"probabilities\", \"dtype\": \"int64\""
            + " | expected float32 tensors, found int64 at output.dtype",
        "output three dims | [\"N\", 2] | [\"N\", 2, 1]"
            + " | expected output.shape [N, classes], found [N, 2, 1]",
        "output batch fixed | [\"N\", 2] | [1, 2] | expected output.shape [N, classes], found [1, 2]",
        "output classes named | [\"N\", 2] | [\"N\", \"C\"]"
            + " | expected output.shape [N, classes], found [N, C]",
        "dimension negative name | [\"N\", 2] | [\"-N\", 2]"
            + " | expected a size or a dimension name at output.shape[0], found the string \"-N\"",
        "dimension empty name | [\"N\", 2] | [\"\", 2]"
            + " | expected a size or a dimension name at output.shape[0], found the string \"\"",
        "dimension 0 | [\"N\", 2] | [\"N\", 0]"
            + " | expected a size from 1 to 2147483647 at output.shape[1], found the number 0",
        "dimension 2^31 | [\"N\", 2] | [\"N\", 2147483648]"
            + " | expected a size from 1 to 2147483647 at output.shape[1], found the number"
            + " 2147483648",
        "classes 1001 | [\"N\", 2] | [\"N\", 1001]"
            + " | expected a class count from 1 to 1000 at output.shape[1], found the number 1001",
        "three labels | [\"no\", \"yes\"] | [\"no\", \"yes\", \"maybe\"]"
            + " | expected 2 labels (output.shape), found 3",
        "a label a number | [\"no\", \"yes\"] | [\"no\", 1]"
            + " | expected a string at labels[1], found the number 1",
        "atol negative | \"atol\": 1e-05 | \"atol\": -1e-05"
            + " | expected golden.atol > 0 and <= 0.001, found the number -1e-05",
        "atol above | \"atol\": 1e-05 | \"atol\": 0.0011"
            + " | expected golden.atol > 0 and <= 0.001, found the number 0.0011",
        "golden empty | [[0, 1, 254, 255], [9, 8, 7, 6]] | []"
            + " | expected 1 to 64 golden images, found 0",
        "golden rows differ | [[0.25, 0.75], [1.0, 0.0]] | [[0.25, 0.75]]"
            + " | expected one golden.probabilities row per image (2), found 1",
        "golden image short | [9, 8, 7, 6] | [9, 8, 7]"
            + " | expected 4 pixels per golden image, found 3 at golden.images_uint8[1]",
        "golden image long | [0, 1, 254, 255] | [0, 1, 254, 255, 0]"
            + " | expected 4 pixels per golden image, found 5 at golden.images_uint8[0]",
        "golden pixel 256 | [9, 8, 7, 6] | [9, 8, 7, 256]"
            + " | expected a uint8 pixel from 0 to 255 at golden.images_uint8[1][3], found the"
            + " number 256",
        "golden pixel -1 | [0, 1, 254, 255] | [-1, 1, 254, 255]"
            + " | expected a uint8 pixel from 0 to 255 at golden.images_uint8[0][0], found the"
            + " number -1",
        "golden pixel a fraction | [9, 8, 7, 6] | [9, 8, 7.5, 256]"
            + " | expected a whole number at golden.images_uint8[1][2], found the number 7.5",
        "golden pixel a string | [0, 1, 254, 255] | [0, \"1\", 254, 255]"
            + " | expected a whole number at golden.images_uint8[0][1], found the string \"1\"",
        "golden pixel of 19 digits | [9, 8, 7, 6] | [9, 8, 7, 1000000000000000000]"
            + " | expected a uint8 pixel from 0 to 255 at golden.images_uint8[1][3], found the"
            + " number 1000000000000000000",
        "golden image not an array | [9, 8, 7, 6] | 9"
            + " | expected an array at golden.images_uint8[1], found the number 9",
        "golden sizes before values | [[0, 1, 254, 255], [9, 8, 7, 6]] | [[0, 1.5, 254, 255], [9]]"
            + " | expected 4 pixels per golden image, found 1 at golden.images_uint8[1]",
        "golden row short | [1.0, 0.0] | [1.0]"
            + " | expected 2 golden probabilities per image, found 1 at golden.probabilities[1]",
        "golden row long | [0.25, 0.75] | [0.25, 0.75, 0]"
            + " | expected 2 golden probabilities per image, found 3 at golden.probabilities[0]",
        "golden probability infinite | [1.0, 0.0] | [1.0, -Infinity]"
            + " | expected a finite number at golden.probabilities[1][1], found the number"
            + " -Infinity",
        "golden probability NaN | [0.25, 0.75] | [NaN, 0.75]"
            + " | expected a finite number at golden.probabilities[0][0], found the number NaN",
        "test accuracy negative | \"test_accuracy\": 0.5 | \"test_accuracy\": -0.5"
            + " | expected a fraction from 0 to 1 at test_accuracy, found the number -0.5",
        "test accuracy above | \"test_accuracy\": 0.5 | \"test_accuracy\": 1.5"
            + " | expected a fraction from 0 to 1 at test_accuracy, found the number 1.5",
      })
  void eachRuleRefusesWithItsWholeLine(String what, String from, String to, String expected) {
    String changed = SMALL.replaceFirst(java.util.regex.Pattern.quote(from), to);
    assertNotEquals(SMALL, changed, "the test's substitution did not apply: " + from);
    ModelException e = assertThrows(ModelException.class, () -> parse(changed));
    assertEquals(Reason.CONTRACT_INVALID, e.reason());
    assertEquals(
        "m.onnx: CONTRACT_INVALID: contract digitbridge.contract: " + expected, e.getMessage());
  }

  private static String withGoldenPairs(int count) {
    String images = ("[0, 1, 2, 3], ").repeat(count - 1) + "[0, 1, 2, 3]";
    String probs = ("[0.5, 0.5], ").repeat(count - 1) + "[0.5, 0.5]";
    return SMALL
        .replace("[[0, 1, 254, 255], [9, 8, 7, 6]]", "[" + images + "]")
        .replace("[[0.25, 0.75], [1.0, 0.0]]", "[" + probs + "]");
  }

  @Test
  void sixtyFourGoldenPairsAreAcceptedAndSixtyFiveRefused() throws ModelException {
    assertEquals(64, parse(withGoldenPairs(64)).golden().count());
    String json = withGoldenPairs(65);
    ModelException e = assertThrows(ModelException.class, () -> parse(json));
    assertEquals(
        "m.onnx: CONTRACT_INVALID: contract digitbridge.contract: expected 1 to 64 golden images,"
            + " found 65",
        e.getMessage());
  }
}
