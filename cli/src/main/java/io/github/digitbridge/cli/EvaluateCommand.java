package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.MnistDataset;
import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.Evaluation;
import io.github.digitbridge.model.ModelCard;
import io.github.digitbridge.model.ModelException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code evaluate --model M --images I --labels L [--expect-card CARD] [--json]}: the accuracy of a
 * model on a dataset, {@code accuracy 99.09% (9909/10000)}; with {@code --expect-card}, exit 1
 * unless it equals the card's {@code test_accuracy} exactly.
 */
final class EvaluateCommand extends Command {
  private record Options(
      ModelArgs model, Path images, Path labels, Optional<Path> card, boolean json) {}

  EvaluateCommand() {
    super(
        "evaluate",
        ModelArgs.USAGE + " --images FILE --labels FILE [--expect-card CARD.json] [--json]",
        "classify a dataset and print the accuracy; --expect-card: exit 1 unless it equals the card's");
  }

  private static Options parse(Args args, Console console) throws UsageException {
    boolean json = args.flag("--json");
    ModelArgs model = ModelArgs.parse(args, console);
    Path images = Path.of(args.requiredOption("--images"));
    Path labels = Path.of(args.requiredOption("--labels"));
    Optional<Path> card = args.option("--expect-card").map(Path::of);
    args.requireNoPositionals();
    return new Options(model, images, labels, card, json);
  }

  @Override
  int run(Args args, Console console) throws UsageException, IdxException, ModelException {
    Options options = parse(args, console);
    MnistDataset dataset = MnistDataset.load(options.images(), options.labels());
    Optional<ModelCard> card =
        options.card().isPresent()
            ? Optional.of(ModelCard.read(options.card().get()))
            : Optional.empty();
    if (card.isPresent() && card.get().testAccuracy().isEmpty()) {
      throw new ModelException(
          ModelException.Reason.CARD_INVALID,
          card.get().file().toString(),
          "expected a test_accuracy, found none");
    }
    Evaluation evaluation;
    String name;
    String settings;
    try (DigitClassifier classifier = options.model().open()) {
      evaluation = classifier.evaluate(dataset);
      name = classifier.name();
      settings = ModelArgs.settings(classifier);
    }
    // Exact: the card's figure is correct / count computed in double by numpy, as ours is.
    boolean match =
        card.map(c -> c.testAccuracy().getAsDouble() == evaluation.accuracy()).orElse(true);
    PrintStream out = console.out();
    if (options.json()) {
      Json json =
          new Json()
              .field("model", options.model().model().toString())
              .field("name", name)
              .field("images", options.images().toString())
              .field("labels", options.labels().toString())
              .field("batch", options.model().options().batchSize())
              .field("threads", options.model().options().intraOpThreads())
              .field("accuracy", evaluation.accuracy())
              .field("correct", evaluation.correct())
              .field("count", evaluation.count());
      if (card.isPresent()) {
        json.field(
            "card",
            new Json()
                .field("file", card.get().file().toString())
                .field("test_accuracy", card.get().testAccuracy().getAsDouble())
                .field("match", match));
      }
      out.println(json.raw("evaluation", evaluation.toJson()));
    } else {
      out.printf(
          "%s (%s): %d images from %s; %s%n",
          name, options.model().model(), evaluation.count(), options.images(), settings);
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
