package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.MnistDataset;
import io.github.digitbridge.model.ClassifierOptions;
import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.Evaluation;
import io.github.digitbridge.model.ModelCard;
import io.github.digitbridge.model.ModelException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code evaluate --model M (--data DIR | --images I --labels L) [--expect-card CARD] [--json]}:
 * the accuracy of a model on a dataset, {@code accuracy 99.24% (9924/10000)}; with {@code
 * --expect-card}, exit 1 unless it equals the card's {@code test_accuracy} exactly. A folder that
 * {@code pack} wrote is not the data the card was measured on: there the card is not compared.
 */
@Command(
    name = "evaluate",
    description =
        "classify a dataset and print the accuracy; --expect-card: exit 1 unless it equals the card's")
final class EvaluateCommand extends Subcommand {
  @Mixin ModelOptions model;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  /** The dataset: a folder in MNIST's test-file layout, or the two files. */
  static final class Source {
    @Option(
        names = "--data",
        paramLabel = "DIR",
        description =
            "A folder with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz: MNIST's, or"
                + " one that pack wrote.")
    Path data;

    @ArgGroup(exclusive = false)
    ImageFiles files;
  }

  /** The images and labels named one by one. */
  static final class ImageFiles {
    @Option(names = "--images", required = true, paramLabel = "FILE", description = "IDX images.")
    Path images;

    @Option(names = "--labels", required = true, paramLabel = "FILE", description = "IDX labels.")
    Path labels;
  }

  @Option(
      names = "--expect-card",
      paramLabel = "CARD.json",
      description = "Exit 1 unless the accuracy equals this card's test_accuracy.")
  Path expectCard;

  @Option(names = "--json", description = "One JSON object, with the whole evaluation.")
  boolean json;

  @Override
  int run(Console console) throws IdxException, ModelException {
    ClassifierOptions options = model.options(console);
    Path images =
        source.data != null ? source.data.resolve(PackCommand.IMAGES) : source.files.images;
    Path labels =
        source.data != null ? source.data.resolve(PackCommand.LABELS) : source.files.labels;
    // The model opens on another thread while the data and the card are read; their errors come
    // first, as when the model was opened after them.
    ModelOptions.Opening opening = model.openInBackground(console);
    MnistDataset dataset;
    boolean packed;
    Optional<ModelCard> card;
    try {
      dataset = MnistDataset.load(images, labels);
      // A packed folder holds the user's own images: the card's figure was measured on MNIST's.
      packed =
          source.data != null && Files.isRegularFile(source.data.resolve(PackCommand.PROVENANCE));
      card =
          expectCard != null && !packed
              ? Optional.of(ModelCard.read(expectCard))
              : Optional.empty();
      if (card.isPresent() && card.get().testAccuracy().isEmpty()) {
        throw new ModelException(
            ModelException.Reason.CARD_INVALID,
            card.get().file().toString(),
            "expected a test_accuracy, found none");
      }
    } catch (IdxException | ModelException | RuntimeException | Error e) {
      opening.discard();
      throw e;
    }
    Evaluation evaluation;
    String name;
    String settings;
    try (DigitClassifier classifier = opening.await()) {
      evaluation = Evaluation.of(classifier, dataset);
      name = classifier.name();
      settings = ModelOptions.settings(classifier);
    }
    // Exact: the card's figure is correct / count computed in double by numpy, as ours is.
    boolean match =
        card.map(c -> c.testAccuracy().getAsDouble() == evaluation.accuracy()).orElse(true);
    PrintStream out = console.out();
    if (json) {
      Json record =
          new Json()
              .field("model", model.model.toString())
              .field("name", name)
              .field("images", images.toString())
              .field("labels", labels.toString())
              .field("packed", packed)
              .field("batch", options.batchSize())
              .field("threads", options.intraOpThreads())
              .field("accuracy", evaluation.accuracy())
              .field("correct", evaluation.correct())
              .field("count", evaluation.count());
      if (card.isPresent()) {
        record.field(
            "card",
            new Json()
                .field("file", card.get().file().toString())
                .field("test_accuracy", card.get().testAccuracy().getAsDouble())
                .field("match", match));
      }
      out.println(record.field("evaluation", Json.of(evaluation)));
    } else {
      out.printf(
          "%s (%s): %d images from %s; %s%n",
          name, model.model, evaluation.count(), images, settings);
      out.println("accuracy " + evaluation.accuracyText());
      if (expectCard != null && packed) {
        out.println(
            "card "
                + expectCard
                + ": not compared: "
                + source.data
                + " was packed from your images (PACK.json), not the test set the card was measured"
                + " on");
      }
      if (card.isPresent()) {
        double expected = card.get().testAccuracy().getAsDouble();
        out.println(
            match
                ? "card " + card.get().file() + ": test_accuracy " + expected + ": equal"
                : "card "
                    + card.get().file()
                    + ": expected test_accuracy "
                    + expected
                    + ", found "
                    + evaluation.accuracy()
                    + ": DIFFERENT");
      }
    }
    return match ? Main.OK : Main.CHECK_FAILED;
  }
}
