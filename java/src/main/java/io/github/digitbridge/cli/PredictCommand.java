package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.IdxReader;
import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.ModelException;
import io.github.digitbridge.model.Prediction;
import io.github.digitbridge.model.Predictions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code predict --model M [--top K] [--json] FILE...}: one line per image of each IDX image file
 * (ubyte {@code [N, 28, 28]} or one {@code [28, 28]} image): index, digit, probability and the top
 * classes.
 */
final class PredictCommand extends Command {
  private static final int DEFAULT_TOP = 3;

  private record Options(ModelArgs model, int top, boolean json, List<String> files) {}

  PredictCommand() {
    super(
        "predict",
        ModelArgs.USAGE + " [--top K] [--json] FILE...",
        "classify every image of IDX image files; one line per image with its top classes");
  }

  private static Options parse(Args args, Console console) throws UsageException {
    boolean json = args.flag("--json");
    ModelArgs model = ModelArgs.parse(args, console);
    int top = args.intOption("--top", DEFAULT_TOP, 1);
    List<String> files = args.positionals();
    if (files.isEmpty()) {
      throw new UsageException("expected at least one FILE");
    }
    return new Options(model, top, json, files);
  }

  @Override
  int run(Args args, Console console) throws UsageException, IdxException, ModelException {
    Options options = parse(args, console);
    PrintStream out = console.out();
    try (DigitClassifier classifier = options.model().open()) {
      List<String> labels = classifier.contract().labels();
      for (String file : options.files()) {
        IdxArray images = IdxReader.read(Path.of(file));
        Predictions predictions = classifier.predict(images);
        for (int i = 0; i < predictions.count(); i++) {
          Prediction p = predictions.get(i, options.top());
          out.println(options.json() ? json(file, p, labels) : line(file, p, labels));
        }
      }
    }
    return Main.OK;
  }

  /** {@code FILE[3]: 7 p=0.982351 top-3: 7 0.982351, 9 0.010231, 4 0.003012}. */
  private static String line(String file, Prediction p, List<String> labels) {
    String top =
        p.top().stream()
            .map(s -> String.format(Locale.ROOT, "%s %.6f", labels.get(s.label()), s.probability()))
            .collect(Collectors.joining(", "));
    return String.format(
        Locale.ROOT,
        "%s[%d]: %s p=%.6f top-%d: %s",
        file,
        p.index(),
        labels.get(p.label()),
        p.probability(),
        p.top().size(),
        top);
  }

  private static String json(String file, Prediction p, List<String> labels) {
    String top =
        p.top().stream()
            .map(
                s ->
                    new Json()
                        .field("label", labels.get(s.label()))
                        .field("probability", (double) s.probability())
                        .toString())
            .collect(Collectors.joining(", ", "[", "]"));
    return new Json()
        .field("file", file)
        .field("index", p.index())
        .field("label", labels.get(p.label()))
        .field("probability", (double) p.probability())
        .raw("top", top)
        .toString();
  }
}
