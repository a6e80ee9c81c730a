package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.IdxReader;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code idx-info [--json] FILE...}: one line per file in the format of docs/idx-format.md; the
 * first bad file ends the run with its error line and exit code 2.
 */
// The name only, for the tests that match it with Main.COMMANDS: the spec is built in spec().
@Command(name = "idx-info")
final class IdxInfoCommand extends Subcommand {
  boolean json;

  List<String> files;

  /** This command's spec, built in code: picocli reads no annotation when it runs. */
  CommandSpec spec() {
    CommandSpec spec =
        declare(
            "idx-info", "check IDX files and print type, shape, gzip, count and sha256 of each");
    spec.addOption(
        Binding.flag("--json", "One JSON object per file.", () -> json, value -> json = value));
    spec.addPositional(
        Binding.files("IDX files, plain or gzip.", () -> files, value -> files = value));
    return spec;
  }

  @Override
  int run(Console console) throws IdxException {
    // Stops at the first bad file, like the Python inspector, so both give the same output.
    for (String name : files) {
      IdxArray array = IdxReader.read(Path.of(name));
      console.out().println(json ? json(name, array) : line(name, array));
    }
    return Main.OK;
  }

  /** {@code <file>: <type> <shape>[ gzip] count=<n> sha256=<hex>}, as docs/idx-format.md shows. */
  static String line(String name, IdxArray array) {
    return name
        + ": "
        + array.type().typeName()
        + " "
        + array.header().shapeText()
        + (array.gzip() ? " gzip" : "")
        + " count="
        + array.count()
        + " sha256="
        + array.sha256();
  }

  static String json(String name, IdxArray array) {
    return new Json()
        .field("file", name)
        .field("type", array.type().typeName())
        .field("shape", array.shape())
        .field("gzip", array.gzip())
        .field("count", array.count())
        .field("sha256", array.sha256())
        .toString();
  }
}
