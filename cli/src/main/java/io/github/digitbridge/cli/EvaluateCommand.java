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
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code evaluate --model M (--data DIR | --images I --labels L) [--expect-card CARD] [--json]}:
 * the accuracy of a model on a dataset, {@code accuracy 99.24% (9924/10000)}; with {@code
 * --expect-card}, exit 1 unless it equals the card's {@code test_accuracy} exactly. A folder that
 * {@code pack} wrote is not the data the card was measured on: there the card is not compared.
 */
// The name only, for the tests that match it with Main.COMMANDS: the spec is built in spec().
@Command(name = "evaluate")
final class EvaluateCommand extends Subcommand {
  final ModelOptions model = new ModelOptions();

  // The dataset, one of two: --data (a folder in MNIST's test-file layout), or --images and
  // --labels together.
  Path data;

  Path images;

  Path labels;

  Path expectCard;

  boolean json;

  /** This command's spec, built in code: picocli reads no annotation when it runs. */
  CommandSpec spec() {
    CommandSpec spec =
        declare(
            "evaluate",
            "classify a dataset and print the accuracy; --expect-card: exit 1 unless it equals the"
                + " card's");
    model.addTo(spec);
    ArgGroupSpec files =
        ArgGroupSpec.builder()
            .exclusive(false)
            .addArg(
                Binding.path(
                        "--images", "FILE", "IDX images.", () -> images, value -> images = value)
                    .required(true)
                    .build())
            .addArg(
                Binding.path(
                        "--labels", "FILE", "IDX labels.", () -> labels, value -> labels = value)
                    .required(true)
                    .build())
            .build();
    spec.addArgGroup(
        ArgGroupSpec.builder()
            .exclusive(true)
            .multiplicity("1")
            .addArg(
                Binding.path(
                        "--data",
                        "DIR",
                        "A folder with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz:"
                            + " MNIST's, or one that pack wrote.",
                        () -> data,
                        value -> data = value)
                    .build())
            .addSubgroup(files)
            .build());
    spec.addOption(
        Binding.path(
                "--expect-card",
                "CARD.json",
                "Exit 1 unless the accuracy equals this card's test_accuracy.",
                () -> expectCard,
                value -> expectCard = value)
            .build());
    spec.addOption(
        Binding.flag(
            "--json",
            "One JSON object, with the whole evaluation.",
            () -> json,
            value -> json = value));
    return spec;
  }

  @Override
  int run(Console console) throws IdxException, ModelException {
    ClassifierOptions options = model.options(console);
    Path images = data != null ? data.resolve(PackCommand.IMAGES) : this.images;
    Path labels = data != null ? data.resolve(PackCommand.LABELS) : this.labels;
    // The model opens on another thread while the data and the card are read; their errors come
    // first, as when the model was opened after them.
    ModelOptions.Opening opening = model.openInBackground(console);
    MnistDataset dataset;
    boolean packed;
    Optional<ModelCard> card;
    try {
      dataset = MnistDataset.load(images, labels);
      // A packed folder holds the user's own images: the card's figure was measured on MNIST's.
      packed = data != null && Files.isRegularFile(data.resolve(PackCommand.PROVENANCE));
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
      out.println(
          name
              + " ("
              + model.model
              + "): "
              + evaluation.count()
              + " images from "
              + images
              + "; "
              + settings);
      out.println("accuracy " + evaluation.accuracyText());
      if (expectCard != null && packed) {
        out.println(
            "card "
                + expectCard
                + ": not compared: "
                + data
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
