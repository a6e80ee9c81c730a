package io.github.digitbridge.cli;

import io.github.digitbridge.model.ClassifierOptions;
import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.GoldenCheck;
import io.github.digitbridge.model.ModelCard;
import io.github.digitbridge.model.ModelContract;
import io.github.digitbridge.model.ModelException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code info --model M [--json]}: loads a model with all its checks and prints its contract, the
 * session's input and output, the golden check, the card beside it if any, and the ONNX Runtime
 * version and providers.
 */
// The name only, for the tests that match it with Main.COMMANDS: the spec is built in spec().
@Command(name = "info")
final class InfoCommand extends Subcommand {
  final ModelOptions model = new ModelOptions();

  boolean json;

  /** This command's spec, built in code: picocli reads no annotation when it runs. */
  CommandSpec spec() {
    CommandSpec spec =
        declare(
            "info",
            "load a model with its checks; print contract, input/output, golden check, ORT and providers");
    model.addTo(spec);
    spec.addOption(Binding.flag("--json", "One JSON object.", () -> json, value -> json = value));
    return spec;
  }

  @Override
  int run(Console console) throws ModelException {
    ClassifierOptions options = model.options(console);
    Optional<ModelCard> card = ModelCard.findBeside(model.model);
    try (DigitClassifier classifier = model.open(options)) {
      PrintStream out = console.out();
      out.println(json ? json(classifier, card) : text(classifier, card, model.model));
    }
    return Main.OK;
  }

  private static String text(DigitClassifier c, Optional<ModelCard> card, Path model) {
    ModelContract contract = c.contract();
    StringBuilder sb = new StringBuilder();
    sb.append("model: ").append(c.source()).append(" sha256=").append(c.modelSha256()).append('\n');
    sb.append("contract: ")
        .append(ModelContract.FORMAT)
        .append(", name ")
        .append(contract.name())
        .append(", labels ")
        .append(contract.labels())
        .append(
            contract.testAccuracy().isPresent()
                ? ", test_accuracy " + contract.testAccuracy().getAsDouble()
                : "")
        .append('\n');
    sb.append("preprocessing: uint8 -> ")
        .append(ModelContract.PIXEL_SCALE)
        .append(", NHWC ")
        .append(contract.height())
        .append('x')
        .append(contract.width())
        .append(", ")
        .append(contract.polarity())
        .append('\n');
    sb.append("input: ").append(c.sessionInput()).append('\n');
    sb.append("output: ").append(c.sessionOutput()).append('\n');
    sb.append(c.goldenCheck().map(GoldenCheck::describe).orElse("golden check skipped"))
        .append('\n');
    sb.append(
            card.map(
                    k ->
                        "card: "
                            + k.file()
                            + (k.testAccuracy().isPresent()
                                ? ", test_accuracy " + k.testAccuracy().getAsDouble()
                                : "")
                            + (k.flopsPerImage().isPresent()
                                ? ", flops_per_image " + k.flopsPerImage().getAsLong()
                                : ""))
                .orElse("card: none at " + ModelCard.besideModel(model)))
        .append('\n');
    sb.append("onnxruntime ")
        .append(DigitClassifier.ortVersion())
        .append(", providers available ")
        .append(DigitClassifier.availableProviders())
        .append("; this session: ")
        .append(ModelOptions.settings(c));
    return sb.toString();
  }

  private static String json(DigitClassifier c, Optional<ModelCard> card) {
    ModelContract contract = c.contract();
    Json json =
        new Json()
            .field("model", c.source())
            .field("sha256", c.modelSha256())
            .field("name", contract.name())
            .field("format", ModelContract.FORMAT)
            .field("labels", contract.labels())
            .field("input", c.sessionInput().toString())
            .field("output", c.sessionOutput().toString());
    c.goldenCheck()
        .ifPresent(
            g ->
                json.field(
                    "golden",
                    new Json()
                        .field("passed", g.passed())
                        .field("images", g.images())
                        .field("atol", g.atol())
                        .field("max_abs_diff", g.maxAbsDiff())
                        .field("source", g.source())));
    card.ifPresent(k -> json.field("card", k.file().toString()));
    return json.field("onnxruntime", DigitClassifier.ortVersion())
        .field("providers_available", DigitClassifier.availableProviders())
        .field("provider", c.executionProvider().name())
        .field("batch", c.options().batchSize())
        .field("threads", c.options().intraOpThreads())
        .field("optimization", c.options().optimizationLevel().name())
        .toString();
  }
}
