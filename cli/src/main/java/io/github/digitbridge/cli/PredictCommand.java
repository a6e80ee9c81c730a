package io.github.digitbridge.cli;

import io.github.digitbridge.DigitBridgeException;
import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.IdxHeader;
import io.github.digitbridge.idx.IdxReader;
import io.github.digitbridge.idx.IdxType;
import io.github.digitbridge.image.DigitImage;
import io.github.digitbridge.image.GrayImage;
import io.github.digitbridge.image.ImageException;
import io.github.digitbridge.image.ImageFormat;
import io.github.digitbridge.image.Preprocessor;
import io.github.digitbridge.image.Segmentation;
import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.ModelException;
import io.github.digitbridge.model.Prediction;
import io.github.digitbridge.model.Predictions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code predict --model M [--top K] [--json] [--segment] [--mode mnist|raw] FILE...}.
 *
 * <p>Each FILE is recognised by content (see {@link #isIdx}). An IDX image file (ubyte {@code [N,
 * 28, 28]} or one {@code [28, 28]} image) gets one line per image: index, digit, probability and
 * the top classes. An image (PNG, JPEG, GIF, BMP) is preprocessed as docs/preprocessing.md
 * specifies: one line with its digit, or with {@code --segment} one line with the number and one
 * per digit. An image that cannot be read (not an image, empty, truncated, too large, no digit
 * found) gets one {@code error:} line on standard error; the other files are still read and the
 * command exits 2 at the end. A bad IDX file (or one that is not images) is reported the same way,
 * with the IDX reader's reason code.
 */
// The name only, for the tests that match it with Main.COMMANDS: the spec is built in spec().
@Command(name = "predict")
final class PredictCommand extends Subcommand {
  /**
   * The model read without {@code --model}: the Python command's default, resolved the same way.
   */
  static final String DEFAULT_MODEL = "models/deeper_cnn.onnx";

  /**
   * Below this an answer is close to a coin toss: on the generated user-drawing set deeper_cnn
   * falls below 0.8 on 8.5% of the singles and is wrong on 46% of them (1.5% of the rest). The
   * Python command's threshold; the measurement is in the README ("Digits as users draw them").
   */
  static final double LOW_CONFIDENCE = 0.8;

  static final String LOW_CONFIDENCE_TEXT = "0.8";

  private static final int DEFAULT_TOP = 3;

  /**
   * Gives {@code --model}, which the other model commands require, a default in this command only
   * (picocli then treats it as optional here).
   */
  static final class DefaultModel implements IDefaultValueProvider {
    @Override
    public String defaultValue(ArgSpec argument) {
      return argument instanceof OptionSpec option && option.longestName().equals("--model")
          ? DEFAULT_MODEL
          : null;
    }
  }

  /** What the helpers below need of the command line, once checked. */
  private record Options(
      int top, boolean json, boolean segment, Preprocessor.Mode mode, List<String> files) {}

  final ModelOptions model = new ModelOptions();

  int top = DEFAULT_TOP;

  boolean json;

  boolean segment;

  Preprocessor.Mode mode = Preprocessor.Mode.MNIST;

  List<String> files;

  /** This command's spec, built in code: picocli reads no annotation when it runs. */
  CommandSpec spec() {
    CommandSpec spec =
        declare(
            "predict",
            "classify IDX image files, or digit images (PNG/JPEG/GIF/BMP; --segment reads a number)",
            "Without --model it reads "
                + DEFAULT_MODEL
                + " (relative to the working directory), as python -m pybridge.predict does.",
            "A probability below "
                + LOW_CONFIDENCE_TEXT
                + " is marked low confidence; an image read as one digit in which segmentation finds"
                + " several says so and suggests --segment.");
    spec.defaultValueProvider(new DefaultModel());
    model.addTo(spec);
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--top")
                    .paramLabel("K")
                    .description("Classes listed per image (default: ${DEFAULT-VALUE})."),
                int.class,
                DEFAULT_TOP,
                () -> top,
                value -> top = value)
            .build());
    spec.addOption(
        Binding.flag("--json", "One JSON object per image.", () -> json, value -> json = value));
    spec.addOption(
        Binding.flag(
            "--segment",
            "Read a line of digits as a number.",
            () -> segment,
            value -> segment = value));
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--mode")
                    .paramLabel("mnist|raw")
                    .description(
                        "Image preprocessing: mnist (docs/preprocessing.md) or raw (only resized)."),
                Preprocessor.Mode.class,
                Preprocessor.Mode.MNIST,
                () -> mode,
                value -> mode = value)
            .build());
    spec.addPositional(
        Binding.files(
            "IDX image files, or images; recognised by content.",
            () -> files,
            value -> files = value));
    return spec;
  }

  @Override
  int run(Console console) throws IdxException, ModelException {
    model.options(console); // --batch and --threads are checked first, as in every model command
    atLeast("--top", top, 1);
    if (segment && mode != Preprocessor.Mode.MNIST) {
      throw usage(
          "--segment preprocesses each digit in mnist mode; it cannot be combined with --mode raw");
    }
    Options options = new Options(top, json, segment, mode, files);
    PrintStream out = console.out();
    int refused = 0;
    if (!Files.exists(model.model)) {
      throw new ModelException(
          ModelException.Reason.IO, model.model.toString(), missingModelDetail(model.model));
    }
    ModelOptions.Opening opening = model.openInBackground(console);
    Prefetch first;
    try {
      first = prefetch(options);
    } catch (RuntimeException | Error e) {
      opening.discard();
      throw e;
    }
    try (DigitClassifier classifier = opening.await()) {
      List<String> labels = classifier.contract().labels();
      for (int i = 0; i < options.files().size(); i++) {
        String file = options.files().get(i);
        try {
          if (isIdx(Path.of(file))) {
            idx(file, options, classifier, labels, out);
          } else {
            Reading reading = i == 0 && first != null ? first.reading() : read(file, options);
            image(file, reading, options, classifier, labels, out);
          }
        } catch (ImageException e) {
          refused++;
          refuse(file, e, e.reason(), options, console);
        } catch (IdxException e) {
          refused++;
          refuse(file, e, e.reason(), options, console);
        } catch (ModelException e) {
          if (e.reason() != ModelException.Reason.BAD_INPUT) {
            throw e; // the model or the runtime failed, not this file: no use going on
          }
          refused++; // e.g. an IDX file of labels: not images the model can take
          refuse(file, e, e.reason(), options, console);
        }
      }
    }
    return refused == 0 ? Main.OK : Main.BAD_INPUT;
  }

  /**
   * Why a model is missing, as the Python command says it: run elsewhere, a relative path misses.
   */
  static String missingModelDetail(Path model) {
    if (model.isAbsolute()) {
      return "expected an ONNX model, found no such file (train one with `make models`, or pass"
          + " --model)";
    }
    return "expected an ONNX model, found no such file under the working directory "
        + Path.of("").toAbsolutePath()
        + " (run from the repository root, or pass --model)";
  }

  /** One file's error line, and with {@code --json} its record. */
  private static void refuse(
      String file, DigitBridgeException e, Enum<?> reason, Options options, Console console) {
    console.report(e);
    if (options.json()) {
      console
          .out()
          .println(
              header(file, options)
                  .field(
                      "error",
                      new Json().field("reason", reason.name()).field("detail", e.detail()))
                  .toString());
    }
  }

  private static void idx(
      String file,
      Options options,
      DigitClassifier classifier,
      List<String> labels,
      PrintStream out)
      throws IdxException, ModelException {
    IdxArray images = IdxReader.read(Path.of(file));
    Predictions predictions = classifier.predict(images);
    for (int i = 0; i < predictions.count(); i++) {
      Prediction p = predictions.get(i, options.top());
      out.println(
          options.json() ? json(file, p, labels) : line(file + "[" + p.index() + "]", p, labels));
    }
  }

  /**
   * Whether a file goes to the IDX reader: by content when its first bytes say (an image signature:
   * no; an IDX magic, {@code 00 00}, a known type byte and 1 to {@value IdxHeader#MAX_DIMS}
   * dimensions, or {@code 1f 8b}, gzip: yes); otherwise by name, so that a file called {@code
   * *.idx}, {@code *.gz} or {@code *-ubyte} gets the IDX reader's diagnosis and anything else the
   * image reader's (NOT_AN_IMAGE, EMPTY_FILE), as in the Python command: an ICO file or {@code
   * /dev/zero} also starts with {@code 00 00}.
   */
  private static boolean isIdx(Path file) {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(8);
    } catch (IOException e) {
      head = new byte[0]; // unreadable: decided by name; the reader reports the IO error
    }
    try {
      ImageFormat.sniff(head, file.toString());
      return false;
    } catch (ImageException notAnImage) {
      boolean idxMagic =
          head.length >= 4
              && head[0] == 0
              && head[1] == 0
              && IdxType.fromCode(head[2] & 0xFF).isPresent()
              && head[3] >= 1
              && head[3] <= IdxHeader.MAX_DIMS;
      if (idxMagic || (head.length >= 2 && head[0] == 0x1f && head[1] == (byte) 0x8b)) {
        return true;
      }
      String name = file.getFileName() == null ? "" : file.getFileName().toString();
      return name.endsWith(".idx") || name.endsWith(".gz") || name.endsWith("-ubyte");
    }
  }

  /**
   * An image file read up to the model: its digits, the specks and marks segmentation dropped, and
   * (read as one digit) how many digits segmentation finds in it.
   */
  private record Reading(List<DigitImage> digits, int specks, int marks, Integer found) {}

  /** The first file's reading, or the reason it was refused, made while the model opens. */
  private record Prefetch(Reading done, ImageException refused) {
    Reading reading() throws ImageException {
      if (refused != null) {
        throw refused;
      }
      return done;
    }
  }

  /**
   * Reads the first file ahead when it is an image, while the model opens; its error, if any, is
   * reported in its turn, after the model opened, as before. Null for an IDX file, which is read in
   * the loop (it can be large, and its reading needs nothing the model's opening holds up).
   */
  private static Prefetch prefetch(Options options) {
    String file = options.files().get(0);
    if (isIdx(Path.of(file))) {
      return null;
    }
    try {
      return new Prefetch(read(file, options), null);
    } catch (ImageException e) {
      return new Prefetch(null, e);
    }
  }

  private static Reading read(String file, Options options) throws ImageException {
    if (options.segment()) {
      Segmentation segmentation = Preprocessor.segment(Path.of(file));
      return new Reading(segmentation.digits(), segmentation.specks(), segmentation.marks(), null);
    }
    // Decoded once for both the digit and the count of digits segmentation finds.
    String name = Path.of(file).toString();
    GrayImage gray = Preprocessor.decodeGray(Preprocessor.read(Path.of(file)), name);
    return new Reading(
        List.of(Preprocessor.preprocess(gray, name, options.mode())),
        0,
        0,
        digitsFound(gray, name, options.mode()));
  }

  private static void image(
      String file,
      Reading reading,
      Options options,
      DigitClassifier classifier,
      List<String> labels,
      PrintStream out)
      throws ModelException {
    List<DigitImage> digits = reading.digits();
    int specks = reading.specks();
    int marks = reading.marks();
    Integer found = reading.found();
    Predictions predictions = classifier.predict(DigitImage.batch(digits), digits.size());
    List<Prediction> each = new ArrayList<>();
    for (int i = 0; i < digits.size(); i++) {
      each.add(predictions.get(i, options.top()));
    }
    String number = each.stream().map(p -> labels.get(p.label())).collect(Collectors.joining());
    if (options.json()) {
      out.println(imageJson(file, options, number, digits, each, specks, marks, found, labels));
    } else if (!options.segment()) {
      String hint = severalDigitsHint(found);
      out.println(line(file, each.get(0), labels) + (hint == null ? "" : "; " + hint));
    } else {
      List<String> aside = new ArrayList<>();
      if (marks > 0) {
        aside.add(marks + (marks == 1 ? " mark" : " marks") + " ignored");
      }
      if (specks > 0) {
        aside.add(specks + (specks == 1 ? " speck" : " specks") + " dropped");
      }
      out.printf(
          Locale.ROOT,
          "%s: number %s (%d digit%s%s)%n",
          file,
          number,
          digits.size(),
          digits.size() == 1 ? "" : "s",
          aside.isEmpty() ? "" : "; " + String.join(", ", aside));
      for (int i = 0; i < each.size(); i++) {
        out.println(line(file + "[" + i + "]", each.get(i), labels));
      }
    }
  }

  /**
   * How many digits segmentation finds in an image read as one digit (null: not an mnist-mode read,
   * or segmentation refuses the image), so that a strip read without --segment can say so.
   */
  private static Integer digitsFound(GrayImage gray, String name, Preprocessor.Mode mode) {
    if (mode != Preprocessor.Mode.MNIST) {
      return null;
    }
    try {
      return Preprocessor.segment(gray, name).digits().size();
    } catch (ImageException e) {
      return null; // read as one digit all the same: the hint is only a hint
    }
  }

  /** What to tell a user whose image was read as one digit when segmentation finds several. */
  private static String severalDigitsHint(Integer found) {
    return found == null || found < 2
        ? null
        : found + " digits found, read here as one: add --segment to read the number";
  }

  private static boolean lowConfidence(Prediction p) {
    return p.probability() < LOW_CONFIDENCE;
  }

  /**
   * {@code NAME: 7 p=0.982351 top-3: 7 0.982351, 9 0.010231, 4 0.003012}, and {@code (low
   * confidence: p < 0.8)} after it below {@link #LOW_CONFIDENCE}.
   */
  private static String line(String name, Prediction p, List<String> labels) {
    // Locale.US: Locale.ROOT's characters, without loading locale data (see Evaluation).
    return String.format(
        Locale.US,
        "%s: %s p=%.6f top-%d: %s%s",
        name,
        labels.get(p.label()),
        p.probability(),
        p.top().size(),
        topText(p, labels),
        lowConfidence(p) ? " (low confidence: p < " + LOW_CONFIDENCE_TEXT + ")" : "");
  }

  private static String topText(Prediction p, List<String> labels) {
    return p.top().stream()
        .map(s -> String.format(Locale.US, "%s %.6f", labels.get(s.label()), s.probability()))
        .collect(Collectors.joining(", "));
  }

  private static List<Json> topJson(Prediction p, List<String> labels) {
    return p.top().stream()
        .map(
            s ->
                new Json()
                    .field("label", labels.get(s.label()))
                    .field("probability", (double) s.probability()))
        .toList();
  }

  private static String json(String file, Prediction p, List<String> labels) {
    return new Json()
        .field("file", file)
        .field("index", p.index())
        .field("label", labels.get(p.label()))
        .field("probability", (double) p.probability())
        .objects("top", topJson(p, labels))
        .field("low_confidence", lowConfidence(p))
        .toString();
  }

  /** The shape of {@code python -m pybridge.predict --json}, with {@code runtime} jvm-ort. */
  private static String imageJson(
      String file,
      Options options,
      String number,
      List<DigitImage> digits,
      List<Prediction> predictions,
      int specks,
      int marks,
      Integer found,
      List<String> labels) {
    List<Json> each = new ArrayList<>();
    for (int i = 0; i < digits.size(); i++) {
      Prediction p = predictions.get(i);
      each.add(
          new Json()
              .field("label", labels.get(p.label()))
              .field("probability", (double) p.probability())
              .objects("top", topJson(p, labels))
              .field("low_confidence", lowConfidence(p))
              .field("preprocessing", describe(digits.get(i))));
    }
    Json record =
        header(file, options)
            .field("number", number)
            .objects("digits", each)
            .field("specks", specks)
            .field("marks", marks);
    if (found != null) {
      record.field("digits_found", found);
      String hint = severalDigitsHint(found);
      if (hint != null) {
        record.field("hint", hint);
      }
    }
    return record.toString();
  }

  /** The fields every image record starts with, as in the Python command's JSON. */
  private static Json header(String file, Options options) {
    return new Json()
        .field("file", file)
        .field("mode", options.mode().name().toLowerCase(Locale.ROOT))
        .field("segment", options.segment())
        .field("runtime", "jvm-ort");
  }

  private static Json describe(DigitImage d) {
    return new Json()
        .field("mode", d.mode().name().toLowerCase(Locale.ROOT))
        .field("format", d.header().format().name())
        .field("size", new int[] {d.header().width(), d.header().height()})
        .field("polarity", d.polarity().text())
        .field("background", d.background())
        .field("ink_max", d.inkMax())
        .field("box", new int[] {d.box().x(), d.box().y(), d.box().width(), d.box().height()})
        .field("scaled", new int[] {d.scaledWidth(), d.scaledHeight()})
        .field("offset", new int[] {d.offsetX(), d.offsetY()});
  }
}
