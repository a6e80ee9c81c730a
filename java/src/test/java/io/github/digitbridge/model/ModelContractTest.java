package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.model.ModelException.Reason;
import io.github.digitbridge.testing.TestModels;
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
        "atol | \"atol\": 1e-05 | \"atol\": -1 | expected golden.atol >= 0",
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
