package io.github.digitbridge.cli;

import io.github.digitbridge.model.ClassifierOptions;
import io.github.digitbridge.model.ClassifierOptions.ExecutionProvider;
import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.ModelException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every model command takes, mixed into each. Their defaults are the library's ({@link
 * ClassifierOptions#defaults()}), so the CLI runs a model as an embedding application would.
 */
final class ModelOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  @Option(names = "--model", required = true, paramLabel = "FILE", description = "The model.")
  Path model;

  @Option(
      names = "--batch",
      paramLabel = "N",
      description = "Images per ONNX Runtime call (default: ${DEFAULT-VALUE}).")
  int batch = ClassifierOptions.DEFAULT_BATCH_SIZE;

  @Option(
      names = "--threads",
      paramLabel = "T",
      description = "Intra-op threads, 0 for ONNX Runtime's default (default: ${DEFAULT-VALUE}).")
  int threads = ClassifierOptions.DEFAULT_INTRA_OP_THREADS;

  @Option(
      names = "--provider",
      paramLabel = "cpu|cuda",
      description = "The execution provider (default: cpu).")
  ExecutionProvider provider = ExecutionProvider.CPU;

  @Option(names = "--no-golden", description = "Skip the golden check when the model loads.")
  boolean noGolden;

  /**
   * The library's options for these values.
   *
   * @param console where the classifier's warnings go
   * @throws picocli.CommandLine.ParameterException if {@code --batch} is below 1 or {@code
   *     --threads} below 0
   */
  ClassifierOptions options(Console console) {
    return ClassifierOptions.builder()
        .batchSize(Subcommand.atLeast(command, "--batch", batch, 1))
        .intraOpThreads(Subcommand.atLeast(command, "--threads", threads, 0))
        .executionProvider(provider)
        .verifyGolden(!noGolden)
        .warnings(console::warn)
        .build();
  }

  /** Opens the model; the caller closes it. */
  DigitClassifier open(ClassifierOptions options) throws ModelException {
    return DigitClassifier.open(model, options);
  }

  /** What a run is on, for a summary line: {@code CPU, batch 64, 1 intra-op thread, ...}. */
  static String settings(DigitClassifier classifier) {
    return classifier.executionProvider() + ", " + classifier.options();
  }
}
