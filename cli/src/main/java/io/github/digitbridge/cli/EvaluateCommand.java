package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.MnistDataset;
import io.github.digitbridge.model.ClassifierOptions;
import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.Evaluation;
import io.github.digitbridge.model.ModelCard;
import io.github.digitbridge.model.ModelException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code evaluate --model M --images I --labels L [--expect-card CARD] [--json]}: the accuracy of a
 * model on a dataset, {@code accuracy 99.09% (9909/10000)}; with {@code --expect-card}, exit 1
 * unless it equals the card's {@code test_accuracy} exactly.
 */
@Command(
    name = "evaluate",
    description =
        "classify a dataset and print the accuracy; --expect-card: exit 1 unless it equals the card's")
final class EvaluateCommand extends Subcommand {
  @Mixin ModelOptions model;

  @Option(names = "--images", required = true, paramLabel = "FILE", description = "IDX images.")
  Path images;

  @Option(names = "--labels", required = true, paramLabel = "FILE", description = "IDX labels.")
  Path labels;

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
    MnistDataset dataset = MnistDataset.load(images, labels);
    Optional<ModelCard> card =
        expectCard != null ? Optional.of(ModelCard.read(expectCard)) : Optional.empty();
    if (card.isPresent() && card.get().testAccuracy().isEmpty()) {
      throw new ModelException(
          ModelException.Reason.CARD_INVALID,
          card.get().file().toString(),
          "expected a test_accuracy, found none");
    }
    Evaluation evaluation;
    String name;
    String settings;
    try (DigitClassifier classifier = model.open(options)) {
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
      out.println(record.raw("evaluation", evaluation.toJson()));
    } else {
      out.printf(
          "%s (%s): %d images from %s; %s%n",
          name, model.model, evaluation.count(), images, settings);
      out.println("accuracy " + evaluation.accuracyText());
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
