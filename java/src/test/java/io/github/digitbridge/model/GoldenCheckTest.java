package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** The golden comparison: the worst pair, its bound at the edge, NaN, and the line it prints. */
class GoldenCheckTest {
  private static ModelContract.Golden golden(double atol, float... probabilities) {
    return new ModelContract.Golden(
        "golden.npz", atol, probabilities.length / 3, new byte[0], probabilities);
  }

  private static Predictions found(float... probabilities) {
    return new Predictions(FloatBuffer.wrap(probabilities), probabilities.length / 3, 3);
  }

  @Test
  void theWorstPairIsReportedAndTheBoundIsInclusive() {
    ModelContract.Golden g = golden(0.25, 0.5f, 0.25f, 0.25f, 0.0f, 1.0f, 0.0f);
    GoldenCheck same = GoldenCheck.compare(g, found(0.5f, 0.25f, 0.25f, 0.0f, 1.0f, 0.0f));
    assertTrue(same.passed());
    assertEquals(0.0, same.maxAbsDiff());
    assertEquals(0, same.worstImage());
    assertEquals(0, same.worstClass());
    assertEquals(
        "golden check passed: 2 images (source golden.npz), max |p - p_golden| 0 <= atol 0.25",
        same.describe());
    // three differences of 0.25: the first of them is the one reported
    GoldenCheck edge = GoldenCheck.compare(g, found(0.5f, 0.5f, 0.0f, 0.0f, 1.0f, 0.25f));
    assertEquals(0.25, edge.maxAbsDiff());
    assertEquals(0, edge.worstImage());
    assertEquals(1, edge.worstClass());
    assertTrue(edge.passed(), "a difference equal to atol passes");
    GoldenCheck over = GoldenCheck.compare(g, found(0.5f, 0.25f, 0.25f, 0.0f, 0.5f, 0.5f));
    assertFalse(over.passed());
    assertEquals(0.5, over.maxAbsDiff());
    assertEquals(1, over.worstImage());
    assertEquals(1, over.worstClass());
    assertEquals(1.0f, over.expected());
    assertEquals(0.5f, over.found());
    assertEquals(2, over.images());
    assertEquals(
        "golden check FAILED: 2 images (source golden.npz), max |p - p_golden| 0.5 exceeds atol 0.25"
            + " at image 1 class 1 (expected 1.0, found 0.5)",
        over.describe());
  }

  @Test
  void aNanFailsAtOnceWhereItIs() {
    ModelContract.Golden g = golden(0.25, 0.5f, 0.25f, 0.25f, 0.0f, 1.0f, 0.0f);
    GoldenCheck nan = GoldenCheck.compare(g, found(0.5f, Float.NaN, 0.25f, 0.0f, 0.0f, 0.0f));
    assertFalse(nan.passed());
    assertTrue(Double.isNaN(nan.maxAbsDiff()));
    assertEquals(0, nan.worstImage());
    assertEquals(1, nan.worstClass());
    assertEquals(
        "golden check FAILED: 1 images (source s), max |p - p_golden| NaN exceeds atol 0.00001 at"
            + " image 0 class 1 (expected 0.25, found NaN)",
        new GoldenCheck("s", 1, 1e-5, Double.NaN, 0, 1, 0.25f, Float.NaN).describe());
  }

  @Test
  void differencesAreShownToThreeSignificantDigits() {
    assertEquals(
        "golden check FAILED: 100 images (source s), max |p - p_golden| 0.000123 exceeds atol"
            + " 0.0001 at image 7 class 9 (expected 0.1, found 0.100123)",
        new GoldenCheck("s", 100, 1e-4, 0.00012345, 7, 9, 0.1f, 0.100123f).describe());
    assertEquals(
        "golden check FAILED: 1 images (source s), max |p - p_golden| Infinity exceeds atol 1 at"
            + " image 0 class 0 (expected 0.0, found Infinity)",
        new GoldenCheck("s", 1, 1, Double.POSITIVE_INFINITY, 0, 0, 0f, Float.POSITIVE_INFINITY)
            .describe());
  }
}
