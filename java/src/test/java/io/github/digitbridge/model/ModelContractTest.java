package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.model.ModelException.Reason;
import io.github.digitbridge.testing.TestModels;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The contract parser, on the test model's contract and on variants that must be refused. */
class ModelContractTest {
  private static String json;

  @BeforeAll
  static void readTheTestModelsContract() throws ModelException {
    try (DigitClassifier classifier =
        DigitClassifier.open(
            TestModels.linear(), TestModels.options().verifyGolden(false).build())) {
      json = classifier.contract().json();
    }
  }

  @Test
  void tensorsAreEqualAsRecordsAre() {
    ModelContract.Tensor a = new ModelContract.Tensor("image", "float32", List.of("N", "28"));
    ModelContract.Tensor same = new ModelContract.Tensor("image", "float32", List.of("N", "28"));
    assertEquals(a, same);
    assertEquals(a.hashCode(), same.hashCode());
    assertNotEquals(a, new ModelContract.Tensor("input", "float32", List.of("N", "28")));
    assertNotEquals(a, new ModelContract.Tensor("image", "int64", List.of("N", "28")));
    assertNotEquals(a, new ModelContract.Tensor("image", "float32", List.of("N", "29")));
    assertNotEquals(a, "image float32 [N, 28]");
    ModelContract.Tensor unnamed = new ModelContract.Tensor(null, null, List.of());
    assertEquals(unnamed, new ModelContract.Tensor(null, null, List.of()));
    assertNotEquals(unnamed, a);
    assertNotEquals(a, unnamed);
  }

  @Test
  void parsesEveryFieldThisRuntimeUses() throws ModelException {
    ModelContract c = ModelContract.parse(json, "test");
    assertEquals("linear", c.name());
    assertEquals(
        new ModelContract.Tensor("image", "float32", java.util.List.of("N", "28", "28", "1")),
        c.input());
    assertEquals(28, c.height());
    assertEquals(28, c.width());
    assertEquals(10, c.classes());
    assertEquals("white digit on black background", c.polarity());
    ModelContract.Golden golden = c.golden();
    assertEquals(8, golden.count());
    assertEquals(8 * 784, golden.pixels().length);
    assertEquals(80, golden.probabilities().length);
    assertEquals(1e-5, golden.atol());
    assertTrue(c.testAccuracy().isPresent());
  }

  @Test
  void goldenRowsOfTheWrongLengthAreRefusedBeforeAnythingIsAllocated() {
    String shortRow =
        json.replace("\"images_uint8\": [[0, 0, 0,", "\"images_uint8\": [[0, 0, 0], [0, 0, 0,")
            .replace(
                "\"probabilities\": [[", "\"probabilities\": [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [");
    ModelException e =
        assertThrows(ModelException.class, () -> ModelContract.parse(shortRow, "m.onnx"));
    assertTrue(
        e.detail()
            .endsWith("expected 784 pixels per golden image, found 3 at golden.images_uint8[0]"),
        e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "a number | 5 | expected an object at the document, found the number 5",
        "an array | [] | expected an object at the document, found an array of 0",
        "nested 67 deep | [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
            + " | levels of nesting",
      })
  void documentsThatAreNoContractAreRefused(String what, String text, String expected) {
    ModelException e = assertThrows(ModelException.class, () -> ModelContract.parse(text, "m"));
    assertEquals(Reason.CONTRACT_INVALID, e.reason());
    assertTrue(e.detail().contains(expected), e.getMessage());
  }

  @Test
  void imagesOf46341SquaredPixelsAreRefusedBeforeAnythingIsAllocated() {
    String huge =
        json.replace("\"size\": [28, 28]", "\"size\": [46341, 46341]")
            .replace("[\"N\", 28, 28, 1]", "[\"N\", 46341, 46341, 1]");
    ModelException e = assertThrows(ModelException.class, () -> ModelContract.parse(huge, "m"));
    assertTrue(
        e.detail()
            .endsWith(
                "expected a size from 1 to 1024 at preprocessing.size[0], found the number 46341"),
        e.getMessage());
  }

  @Test
  void aContractNested100kDeepIsRefusedWithoutStackOverflow() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    ModelException e = assertThrows(ModelException.class, () -> ModelContract.parse(deep, "m"));
    assertTrue(e.detail().contains("levels of nesting"), e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "format | \"format\": \"digitbridge-contract/1\" | \"format\": \"digitbridge-contract/2\""
            + " | expected format \"digitbridge-contract/1\", found \"digitbridge-contract/2\"",
        "pixel scale | value / 255 as float32 | value / 127.5 - 1"
            + " | expected preprocessing.pixel_scale \"value / 255 as float32\"",
        "layout | \"NHWC\" | \"NCHW\" | expected preprocessing.layout \"NHWC\"",
        "input shape | [\"N\", 28, 28, 1] | [\"N\", 1, 28, 28]"
            + " | expected input.shape [N, 28, 28, 1], found [N, 1, 28, 28]",
        "fixed batch | [\"N\", 10] | [1, 10] | expected output.shape [N, classes], found [1, 10]",
        "dtype | \"dtype\": \"float32\", \"name\": \"image\" | \"dtype\": \"float16\", \"name\": \"image\""
            + " | expected float32 tensors, found float16",
        "labels | \"labels\": [\"0\", | \"labels\": [ | expected 10 labels (output.shape), found 9",
        "atol | \"atol\": 1e-05 | \"atol\": -1 | expected golden.atol > 0 and <= 0.001",
        "atol 1e300 | \"atol\": 1e-05 | \"atol\": 1e300"
            + " | expected golden.atol > 0 and <= 0.001, found the number 1e300",
        "atol NaN | \"atol\": 1e-05 | \"atol\": NaN"
            + " | expected golden.atol > 0 and <= 0.001, found the number NaN",
        "atol zero | \"atol\": 1e-05 | \"atol\": 0 | expected golden.atol > 0 and <= 0.001",
        "atol a string | \"atol\": 1e-05 | \"atol\": \"1e-5\""
            + " | expected a number at golden.atol, found the string \"1e-5\"",
        "classes a digit string | [\"N\", 10] | [\"N\", \"99999999999\"]"
            + " | expected a size or a dimension name at output.shape[1],"
            + " found the string \"99999999999\"",
        "classes 1001 | [\"N\", 10] | [\"N\", 1001]"
            + " | expected a class count from 1 to 1000 at output.shape[1]",
        "size 46341 squared | \"size\": [28, 28] | \"size\": [46341, 46341]"
            + " | expected a size from 1 to 1024 at preprocessing.size[0], found the number 46341",
        "2 labels for 10 classes | \"labels\": [\"0\", \"1\", \"2\", \"3\", \"4\", \"5\","
            + " \"6\", \"7\", \"8\", \"9\"] | \"labels\": [\"0\", \"1\"]"
            + " | expected 10 labels (output.shape), found 2",
        "golden missing | \"golden\": { | \"nogolden\": { | expected a key \"golden\" in the document",
        "golden empty | \"images_uint8\": [[ | \"images_uint8\": [], \"was\": [["
            + " | expected 1 to 64 golden images, found 0",
        "golden short | \"images_uint8\": [[0, 0, 0, | \"images_uint8\": [[0, 0, 0], [0, 0, 0,"
            + " | expected one golden.probabilities row per image (9), found 8",
        "test accuracy 99 | \"test_accuracy\": 0.8203 | \"test_accuracy\": 99"
            + " | expected a fraction from 0 to 1 at test_accuracy, found the number 99",
        "missing key | \"name\": \"linear\" | \"nom\": \"linear\" | expected a key \"name\" in the document",
      })
  void refusesWhatThisRuntimeCannotHonour(String what, String from, String to, String expected) {
    String changed = json.replace(from, to);
    assertTrue(!changed.equals(json), "the test's substitution did not apply: " + from);
    ModelException e =
        assertThrows(ModelException.class, () -> ModelContract.parse(changed, "m.onnx"));
    assertEquals(Reason.CONTRACT_INVALID, e.reason());
    assertTrue(e.getMessage().startsWith("m.onnx: CONTRACT_INVALID: contract "), e.getMessage());
    assertTrue(e.detail().contains(expected), e.getMessage());
  }
}
