package io.github.digitbridge.model;

import io.github.digitbridge.model.ModelException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * The figures this runtime reads from a model card: the {@code <name>.json} that training writes
 * beside each {@code <name>.onnx} in models/ (see training/train.py). Only the keys used here are
 * read; the card has many more.
 */
public final class ModelCard {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final Path file;
  private final String name;
  private final OptionalDouble testAccuracy;
  private final OptionalLong flopsPerImage;
  private final Optional<String> onnxSha256;

  private ModelCard(
      Path file,
      String name,
      OptionalDouble testAccuracy,
      OptionalLong flopsPerImage,
      Optional<String> onnxSha256) {
    this.file = file;
    this.name = name;
    this.testAccuracy = testAccuracy;
    this.flopsPerImage = flopsPerImage;
    this.onnxSha256 = onnxSha256;
  }

  /**
   * Reads a card.
   *
   * @param file the card, JSON
   * @throws ModelException {@link Reason#IO} if it cannot be read, {@link Reason#TOO_LARGE} over
   *     {@value ModelFile#MAX_JSON_BYTES} bytes, {@link Reason#CARD_INVALID} if it is not a JSON
   *     object or a key this class reads breaks its rule (docs/model-contract.md)
   */
  public static ModelCard read(Path file) throws ModelException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(ModelFile.MAX_JSON_BYTES + 1);
    } catch (IOException e) {
      throw new ModelException(
          Reason.IO, file.toString(), "expected a readable model card, found: " + e, e);
    }
    if (bytes.length > ModelFile.MAX_JSON_BYTES) {
      throw new ModelException(
          Reason.TOO_LARGE,
          file.toString(),
          "expected a card of at most " + ModelFile.MAX_JSON_BYTES + " bytes, found more");
    }
    String text = ModelFile.utf8(bytes, 0, bytes.length, file.toString(), Reason.CARD_INVALID, "");
    try {
      JsonValue root = JsonValue.parse(text);
      root.requireObject();
      Optional<String> sha = root.find("onnx_sha256").map(JsonValue::asString);
      ModelContract.require(
          sha.isEmpty() || SHA256.matcher(sha.get()).matches(),
          "expected 64 lower-case hex digits at onnx_sha256, found the string \""
              + sha.orElse("")
              + "\"");
      return new ModelCard(
          file,
          root.find("name").map(JsonValue::asString).orElse(""),
          root.find("test_accuracy")
              .map(v -> OptionalDouble.of(ModelContract.fraction(v)))
              .orElse(OptionalDouble.empty()),
          root.find("flops_per_image").map(ModelCard::count).orElse(OptionalLong.empty()),
          sha);
    } catch (JsonValue.Invalid e) {
      throw new ModelException(Reason.CARD_INVALID, file.toString(), e.getMessage(), e);
    }
  }

  private static OptionalLong count(JsonValue node) {
    long v = node.asLong();
    ModelContract.require(
        v >= 0, "expected a count from 0 at " + node.where() + ", found " + node.describe());
    return OptionalLong.of(v);
  }

  /**
   * The card that belongs beside a model: {@code <dir>/<name>.json} for {@code <dir>/<name>.onnx}.
   *
   * @return the path, whether or not the file exists
   */
  public static Path besideModel(Path model) {
    String fileName = model.getFileName().toString();
    String stem =
        fileName.endsWith(".onnx") ? fileName.substring(0, fileName.length() - 5) : fileName;
    return model.resolveSibling(stem + ".json");
  }

  /**
   * Reads the card beside a model, if there is one.
   *
   * @return the card at {@link #besideModel}, or empty if no file is there
   * @throws ModelException as {@link #read} if the file is there but unusable
   */
  public static Optional<ModelCard> findBeside(Path model) throws ModelException {
    Path file = besideModel(model);
    return Files.isRegularFile(file) ? Optional.of(read(file)) : Optional.empty();
  }

  /** The card file. */
  public Path file() {
    return file;
  }

  /** The model name the card gives, or "" if it gives none. */
  public String name() {
    return name;
  }

  /** {@code test_accuracy}: the accuracy on the 10k test set measured at export. */
  public OptionalDouble testAccuracy() {
    return testAccuracy;
  }

  /** {@code flops_per_image}: multiply-adds x 2 of the conv and dense layers for one image. */
  public OptionalLong flopsPerImage() {
    return flopsPerImage;
  }

  /** {@code onnx_sha256}: the SHA-256 of the model file the card describes. */
  public Optional<String> onnxSha256() {
    return onnxSha256;
  }

  @Override
  public String toString() {
    return "ModelCard[" + file + "]";
  }
}
