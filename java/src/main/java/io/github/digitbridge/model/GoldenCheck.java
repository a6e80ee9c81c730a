package io.github.digitbridge.model;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * The outcome of re-running a contract's golden images: how far the model's probabilities are from
 * the recorded ones, and the tolerance they were held to.
 *
 * @param source what computed the recorded probabilities, e.g. {@code keras}
 * @param images the number of golden images
 * @param atol the contract's absolute tolerance
 * @param maxAbsDiff the largest absolute difference over every image and class (NaN if the model
 *     gave NaN)
 * @param worstImage the image of the largest difference
 * @param worstClass the class of the largest difference
 * @param expected the recorded probability there
 * @param found the model's probability there
 */
public record GoldenCheck(
    String source,
    int images,
    double atol,
    double maxAbsDiff,
    int worstImage,
    int worstClass,
    float expected,
    float found) {
  /** Whether every probability is within {@link #atol()} of the recorded one. */
  public boolean passed() {
    return maxAbsDiff <= atol; // false for NaN
  }

  /**
   * Compares a model's probabilities with the recorded ones.
   *
   * @param golden the contract's golden pairs
   * @param found the model's probabilities for the golden images
   */
  static GoldenCheck compare(ModelContract.Golden golden, Predictions found) {
    float[] expected = golden.probabilities();
    int classes = found.classes();
    double max = 0;
    int worst = 0;
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs((double) found.probability(i / classes, i % classes) - expected[i]);
      if (Double.isNaN(diff) || diff > max) {
        max = diff;
        worst = i;
        if (Double.isNaN(diff)) {
          break;
        }
      }
    }
    return new GoldenCheck(
        golden.source(),
        golden.count(),
        golden.atol(),
        max,
        worst / classes,
        worst % classes,
        expected[worst],
        found.probability(worst / classes, worst % classes));
  }

  /**
   * One line, e.g. {@code golden check passed: 8 images (source keras), max |p - p_golden| 2.98E-8
   * <= atol 0.00001}; a failure adds where the largest difference is.
   */
  public String describe() {
    String verdict = passed() ? "passed" : "FAILED";
    String line =
        String.format(
            Locale.ROOT,
            "golden check %s: %d images (source %s), max |p - p_golden| %s %s atol %s",
            verdict,
            images,
            source,
            threeDigits(maxAbsDiff),
            passed() ? "<=" : "exceeds",
            threeDigits(atol));
    if (!passed()) {
      line +=
          String.format(
              Locale.ROOT,
              " at image %d class %d (expected %s, found %s)",
              worstImage,
              worstClass,
              Float.toString(expected),
              Float.toString(found));
    }
    return line;
  }

  /**
   * Three significant digits without trailing zeros: {@code 0}, {@code 0.0942}, {@code 2.98E-8}.
   */
  private static String threeDigits(double value) {
    if (!Double.isFinite(value)) {
      return Double.toString(value);
    }
    return new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros().toString();
  }
}
