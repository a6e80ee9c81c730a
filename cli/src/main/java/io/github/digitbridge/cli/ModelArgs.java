package io.github.digitbridge.cli;

import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.DigitClassifier.Options;
import io.github.digitbridge.model.DigitClassifier.Options.ExecutionProvider;
import io.github.digitbridge.model.ModelException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The options every model command takes: {@value #USAGE}. Their defaults are the library's ({@link
 * Options#defaults()}), so the CLI runs a model as an embedding application would.
 *
 * @param model the model file
 * @param options how to run it
 */
record ModelArgs(Path model, Options options) {
  static final String USAGE =
      "--model FILE [--batch N] [--threads T] [--provider cpu|cuda] [--no-golden]";

  /**
   * Removes the model options from {@code args}.
   *
   * @param console where the classifier's warnings go
   * @throws UsageException if {@code --model} is missing or a value is bad
   */
  static ModelArgs parse(Args args, Console console) throws UsageException {
    boolean noGolden = args.flag("--no-golden");
    Path model = Path.of(args.requiredOption("--model"));
    int batch = args.intOption("--batch", Options.DEFAULT_BATCH_SIZE, 1);
    int threads = args.intOption("--threads", Options.DEFAULT_INTRA_OP_THREADS, 0);
    Optional<String> providerText = args.option("--provider");
    ExecutionProvider provider = ExecutionProvider.CPU;
    if (providerText.isPresent()) {
      try {
        provider = ExecutionProvider.valueOf(providerText.get().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new UsageException("expected --provider cpu or cuda, found " + providerText.get());
      }
    }
    Options options =
        Options.builder()
            .batchSize(batch)
            .intraOpThreads(threads)
            .executionProvider(provider)
            .verifyGolden(!noGolden)
            .warnings(console::warn)
            .build();
    return new ModelArgs(model, options);
  }

  /** What a run is on, for a summary line: {@code CPU, batch 256, 1 intra-op thread, ...}. */
  static String settings(DigitClassifier classifier) {
    return classifier.executionProvider() + ", " + classifier.options();
  }

  /** Opens the model; the caller closes it. */
  DigitClassifier open() throws ModelException {
    return DigitClassifier.open(model, options);
  }
}
