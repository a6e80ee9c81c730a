package io.github.digitbridge.model;

import io.github.digitbridge.model.ModelException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The model contract of docs/model-contract.md: the JSON document a model carries in its ONNX
 * metadata under {@value #METADATA_KEY}, parsed and checked for what this runtime needs.
 *
 * <p>Parsing accepts only what {@link DigitClassifier} can honour: one float32 input {@code [N, H,
 * W, 1]} (NHWC, {@code N} symbolic) fed from uint8 pixels scaled {@code v / 255.0f}, one float32
 * output {@code [N, classes]} with one label per class, and at least one golden pair. Anything else
 * is refused as {@link Reason#CONTRACT_INVALID} rather than half-used.
 */
public final class ModelContract {
  /** The ONNX metadata_props key that holds the contract. */
  public static final String METADATA_KEY = "digitbridge.contract";

  /** The one contract format this runtime reads. */
  public static final String FORMAT = "digitbridge-contract/1";

  /** The one pixel scaling this runtime implements. */
  public static final String PIXEL_SCALE = "value / 255 as float32";

  /** The largest image side a contract may declare. */
  public static final int MAX_SIDE = 1024;

  /** The most classes a contract may declare. */
  public static final int MAX_CLASSES = 1000;

  /** The most golden pairs a contract may carry. */
  public static final int MAX_GOLDEN = 64;

  /**
   * The loosest golden tolerance a contract may claim: a contract cannot excuse an altered model by
   * declaring a tolerance that any output meets.
   */
  public static final double MAX_ATOL = 1e-3;

  private static final String MAX_ATOL_TEXT = "0.001";

  /**
   * A tensor as the contract declares it, or as a session reports it.
   *
   * @param name the graph input or output name
   * @param dtype the element type in ONNX's lower-case spelling: {@code float32}, {@code int64}...
   * @param shape one entry per dimension: digits for a fixed size, the dimension's name for a
   *     symbolic one ({@code N}), {@code ?} for a symbolic one without a name
   */
  public record Tensor(String name, String dtype, List<String> shape) {
    /** Takes an unmodifiable copy of the shape. */
    public Tensor {
      shape = List.copyOf(shape);
    }

    /** E.g. {@code image float32 [N, 28, 28, 1]}. */
    @Override
    public String toString() {
      return name + " " + dtype + " " + shape;
    }

    // equals and hashCode are the record's own, written out: the generated ones are bootstrapped
    // through method handles on their first call, which took milliseconds of every model's open.

    @Override
    public boolean equals(Object other) {
      return other instanceof Tensor t
          && Objects.equals(name, t.name)
          && Objects.equals(dtype, t.dtype)
          && shape.equals(t.shape);
    }

    @Override
    public int hashCode() {
      return (31 * Objects.hashCode(name) + Objects.hashCode(dtype)) * 31 + shape.hashCode();
    }
  }

  /**
   * The golden pairs: images as uint8 and the probabilities recorded for them at export.
   *
   * @param source what computed the probabilities, e.g. {@code keras}
   * @param atol the largest absolute difference a runtime may show on any probability
   * @param count the number of images
   * @param pixels {@code count * pixelsPerImage} unsigned bytes, image after image, row-major
   * @param probabilities {@code count * classes} floats, image after image
   */
  public record Golden(
      String source, double atol, int count, byte[] pixels, float[] probabilities) {
    /** Copies of the arrays are made on the way in and out: the contract stays as parsed. */
    public Golden {
      pixels = pixels.clone();
      probabilities = probabilities.clone();
    }

    @Override
    public byte[] pixels() {
      return pixels.clone();
    }

    @Override
    public float[] probabilities() {
      return probabilities.clone();
    }
  }

  private final String json;
  private final String name;
  private final Tensor input;
  private final Tensor output;
  private final int height;
  private final int width;
  private final List<String> labels;
  private final Golden golden;
  private final OptionalDouble testAccuracy;
  private final String polarity;

  private ModelContract(
      String json,
      String name,
      Tensor input,
      Tensor output,
      int height,
      int width,
      List<String> labels,
      Golden golden,
      OptionalDouble testAccuracy,
      String polarity) {
    this.json = json;
    this.name = name;
    this.input = input;
    this.output = output;
    this.height = height;
    this.width = width;
    this.labels = List.copyOf(labels);
    this.golden = golden;
    this.testAccuracy = testAccuracy;
    this.polarity = polarity;
  }

  /**
   * Parses and checks a contract.
   *
   * @param json the metadata value
   * @param model the model it came from, for messages
   * @throws ModelException {@link Reason#CONTRACT_INVALID} naming the key at fault
   */
  static ModelContract parse(String json, String model) throws ModelException {
    try {
      return parse(JsonValue.parse(json), json);
    } catch (JsonValue.Invalid e) {
      throw new ModelException(
          Reason.CONTRACT_INVALID, model, "contract " + METADATA_KEY + ": " + e.getMessage(), e);
    }
  }

  private static ModelContract parse(JsonValue root, String json) {
    root.requireObject();
    String format = root.get("format").asString();
    require(format.equals(FORMAT), "expected format \"" + FORMAT + "\", found \"" + format + "\"");
    String name = root.get("name").asString();
    JsonValue pre = root.get("preprocessing");
    requireEqual(pre, "source_dtype", "uint8");
    requireEqual(pre, "pixel_scale", PIXEL_SCALE);
    requireEqual(pre, "layout", "NHWC");
    String polarity = pre.find("polarity").map(JsonValue::asString).orElse("unspecified");
    List<JsonValue> size = pre.get("size").elements();
    require(
        size.size() == 2, "expected preprocessing.size [H, W], found " + size.size() + " items");
    int height = (int) bounded(size.get(0), 1, MAX_SIDE, "a size");
    int width = (int) bounded(size.get(1), 1, MAX_SIDE, "a size");

    Tensor input = tensor(root.get("input"));
    Tensor output = tensor(root.get("output"));
    List<String> nhwc = List.of(input.shape().get(0), "" + height, "" + width, "1");
    require(
        input.shape().size() == 4 && input.shape().equals(nhwc) && isSymbolic(nhwc.get(0)),
        "expected input.shape [N, " + height + ", " + width + ", 1], found " + input.shape());
    require(
        output.shape().size() == 2
            && isSymbolic(output.shape().get(0))
            && !isSymbolic(output.shape().get(1)),
        "expected output.shape [N, classes], found " + output.shape());
    // A fixed dimension is digits that tensor() bounded to an int, so this parse cannot fail.
    int classes = Integer.parseInt(output.shape().get(1));
    require(
        classes <= MAX_CLASSES,
        "expected a class count from 1 to "
            + MAX_CLASSES
            + " at output.shape[1], found the number "
            + classes);

    List<String> labels = new ArrayList<>();
    for (JsonValue label : root.get("labels").elements()) {
      labels.add(label.asString());
    }
    require(
        labels.size() == classes,
        "expected " + classes + " labels (output.shape), found " + labels.size());

    Golden golden = golden(root.get("golden"), height * width, classes);
    OptionalDouble accuracy =
        root.find("test_accuracy")
            .map(v -> OptionalDouble.of(fraction(v)))
            .orElse(OptionalDouble.empty());
    return new ModelContract(
        json, name, input, output, height, width, labels, golden, accuracy, polarity);
  }

  private static Tensor tensor(JsonValue node) {
    String name = node.get("name").asString();
    require(
        !name.isEmpty(), "expected a non-empty " + node.path() + ".name, found an empty string");
    String dtype = node.get("dtype").asString();
    require(
        dtype.equals("float32"),
        "expected float32 tensors, found " + dtype + " at " + node.path() + ".dtype");
    List<String> shape = new ArrayList<>();
    for (JsonValue dim : node.get("shape").elements()) {
      if (dim.isString()) {
        require(
            isSymbolic(dim.asString()),
            "expected a size or a dimension name at " + dim.where() + ", found " + dim.describe());
        shape.add(dim.asString());
      } else {
        shape.add(Long.toString(bounded(dim, 1, Integer.MAX_VALUE, "a size")));
      }
    }
    return new Tensor(name, dtype, shape);
  }

  private static Golden golden(JsonValue node, int pixelsPerImage, int classes) {
    JsonValue atolNode = node.get("atol");
    double atol = atolNode.asDouble();
    require(
        atol > 0 && atol <= MAX_ATOL, // false for NaN
        "expected golden.atol > 0 and <= " + MAX_ATOL_TEXT + ", found " + atolNode.describe());
    String source = node.find("source").map(JsonValue::asString).orElse("unspecified");
    List<JsonValue> images = node.get("images_uint8").elements();
    List<JsonValue> probs = node.get("probabilities").elements();
    require(
        images.size() >= 1 && images.size() <= MAX_GOLDEN,
        "expected 1 to " + MAX_GOLDEN + " golden images, found " + images.size());
    require(
        images.size() == probs.size(),
        "expected one golden.probabilities row per image ("
            + images.size()
            + "), found "
            + probs.size());
    // Every row is checked before the arrays are allocated: their sizes come from the checks. A
    // row's pixels are read as numbers at once; null marks a row with some other value in it.
    List<long[]> imageRows = new ArrayList<>();
    List<List<JsonValue>> probRows = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      long[] image = images.get(i).wholeNumbers();
      int size = image != null ? image.length : images.get(i).elements().size();
      require(
          size == pixelsPerImage,
          "expected "
              + pixelsPerImage
              + " pixels per golden image, found "
              + size
              + " at "
              + images.get(i).where());
      imageRows.add(image);
      List<JsonValue> row = probs.get(i).elements();
      require(
          row.size() == classes,
          "expected "
              + classes
              + " golden probabilities per image, found "
              + row.size()
              + " at "
              + probs.get(i).where());
      probRows.add(row);
    }
    byte[] pixels = new byte[images.size() * pixelsPerImage];
    float[] probabilities = new float[probs.size() * classes];
    for (int i = 0; i < images.size(); i++) {
      long[] image = imageRows.get(i);
      List<JsonValue> each = null; // the row's values one by one, for a row that is not all pixels
      for (int p = 0; p < pixelsPerImage; p++) {
        long v = image == null ? -1 : image[p];
        if (v < 0 || v > 255) {
          if (each == null) {
            each = images.get(i).elements();
          }
          v =
              bounded(
                  each.get(p), 0, 255, "a uint8 pixel"); // the message, or a whole number after all
        }
        pixels[i * pixelsPerImage + p] = (byte) v;
      }
      for (int c = 0; c < classes; c++) {
        JsonValue v = probRows.get(i).get(c);
        double p = v.asDouble();
        if (!Double.isFinite(p)) { // the message (a path walk) only when it is needed
          throw new JsonValue.Invalid(
              "expected a finite number at " + v.where() + ", found " + v.describe());
        }
        // Python wrote each float32 widened to double; narrowing gives the float32 back exactly.
        probabilities[i * classes + c] = (float) p;
      }
    }
    return new Golden(source, atol, images.size(), pixels, probabilities);
  }

  private static void requireEqual(JsonValue node, String key, String expected) {
    String found = node.get(key).asString();
    require(
        found.equals(expected),
        "expected preprocessing."
            + key
            + " \""
            + expected
            + "\" (the only one this runtime implements), found \""
            + found
            + "\"");
  }

  /** A whole number from {@code low} to {@code high}, e.g. a size or a uint8 pixel. */
  private static long bounded(JsonValue node, long low, long high, String what) {
    long v = node.asLong();
    if (v >= low && v <= high) {
      return v; // checked thousands of times per contract: the message is built only for a failure
    }
    throw new JsonValue.Invalid(
        "expected "
            + what
            + " from "
            + low
            + " to "
            + high
            + " at "
            + node.where()
            + ", found "
            + node.describe());
  }

  /** A number from 0 to 1, e.g. an accuracy; shared with the model card. */
  static double fraction(JsonValue node) {
    double v = node.asDouble();
    require(
        v >= 0 && v <= 1,
        "expected a fraction from 0 to 1 at " + node.where() + ", found " + node.describe());
    return v;
  }

  private static boolean isSymbolic(String dim) {
    return !dim.isEmpty() && !Character.isDigit(dim.charAt(0)) && dim.charAt(0) != '-';
  }

  static void require(boolean condition, String message) {
    if (!condition) {
      throw new JsonValue.Invalid(message);
    }
  }

  /** The contract as it was written in the model, JSON. */
  public String json() {
    return json;
  }

  /** The model's name, e.g. {@code deeper_cnn}. */
  public String name() {
    return name;
  }

  /** The graph input the contract declares. */
  public Tensor input() {
    return input;
  }

  /** The graph output the contract declares. */
  public Tensor output() {
    return output;
  }

  /** Image height in pixels. */
  public int height() {
    return height;
  }

  /** Image width in pixels. */
  public int width() {
    return width;
  }

  /** Pixels per image: {@code height() * width()} (one channel). */
  public int pixelsPerImage() {
    return height * width;
  }

  /** Number of classes: the output's second dimension. */
  public int classes() {
    return labels.size();
  }

  /** The class labels; index = class. */
  public List<String> labels() {
    return labels;
  }

  /** The polarity the model expects, e.g. {@code white digit on black background}. */
  public String polarity() {
    return polarity;
  }

  /** The golden pairs. */
  public Golden golden() {
    return golden;
  }

  /** The test accuracy recorded at export, if the contract has one. */
  public OptionalDouble testAccuracy() {
    return testAccuracy;
  }

  @Override
  public String toString() {
    return "ModelContract[" + name + ": " + input + " -> " + output + "]";
  }
}
