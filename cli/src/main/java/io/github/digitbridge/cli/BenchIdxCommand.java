package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.IdxHeader;
import io.github.digitbridge.idx.IdxReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code bench-idx FILE [--repeat N]}: the median time of {@link IdxReader#read} against the median
 * time of the least work that gets the same bytes into a direct buffer, which is a FileChannel read
 * of the file, or for a gzip file an {@link Inflater} run over it.
 *
 * <p>The baselines skip every check on purpose, and do not share code with the reader, so the ratio
 * is the price of the checks, the CRC and the byte-order conversion.
 */
// The name only, for the tests that match it with Main.COMMANDS: the spec is built in spec().
@Command(name = "bench-idx")
final class BenchIdxCommand extends Subcommand {
  private static final int WARMUP = 2;
  private static final int DEFAULT_REPEAT = 5;

  Path file;

  int repeat = DEFAULT_REPEAT;

  /** This command's spec, built in code: picocli reads no annotation when it runs. */
  CommandSpec spec() {
    CommandSpec spec =
        declare(
            "bench-idx",
            "time IdxReader.read against a plain FileChannel read (gzip: a plain Inflater run)");
    spec.addPositional(
        Binding.bind(
                PositionalParamSpec.builder()
                    .paramLabel("FILE")
                    .arity("1")
                    .required(true)
                    .description("An IDX file, plain or gzip."),
                Path.class,
                null,
                () -> file,
                value -> file = value)
            .build());
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--repeat")
                    .paramLabel("N")
                    .description("Timed runs of each kind (default: ${DEFAULT-VALUE})."),
                int.class,
                DEFAULT_REPEAT,
                () -> repeat,
                value -> repeat = value)
            .build());
    return spec;
  }

  @Override
  int run(Console console) throws IdxException {
    atLeast("--repeat", repeat, 1);
    IdxArray checked = IdxReader.read(file); // a bad file fails here, before any timing
    IdxHeader header = checked.header();
    Timing.Timed<IdxException> reader = () -> IdxReader.read(file).data().get(0);
    Timing.Timed<IOException> baseline =
        header.gzip() ? () -> inflateWholeFile(file) : () -> readWholeFile(file);
    String baselineName = header.gzip() ? "Inflater baseline" : "FileChannel baseline";

    double[] readerTimes = new double[repeat];
    double[] baselineTimes = new double[repeat];
    long onDisk;
    try {
      for (int i = 0; i < WARMUP; i++) {
        reader.run();
        baseline.run();
      }
      for (int i = 0; i < repeat; i++) { // interleaved, so drift hits both alike
        readerTimes[i] = Timing.millis(reader);
        baselineTimes[i] = Timing.millis(baseline);
      }
      onDisk = Files.size(file);
    } catch (IOException e) {
      throw new IdxException(
          IdxException.Reason.IO,
          file,
          "expected the baseline to read the file again, found: " + e.getMessage(),
          e);
    }
    double readerMedian = Timing.median(readerTimes);
    double baselineMedian = Timing.median(baselineTimes);
    PrintStream out = console.out();
    out.printf(
        Locale.ROOT,
        "%s: %s %s %s, %d bytes on disk, %d bytes of data, %d runs after %d warm-up runs%n",
        file,
        header.type().typeName(),
        header.shapeText(),
        header.gzip() ? "gzip" : "plain",
        onDisk,
        header.dataBytes(),
        repeat,
        WARMUP);
    out.printf(Locale.ROOT, "IdxReader.read: median %.1f ms%n", readerMedian);
    out.printf(Locale.ROOT, "%s: median %.1f ms%n", baselineName, baselineMedian);
    out.printf(Locale.ROOT, "ratio: %.2f%n", readerMedian / baselineMedian);
    return Main.OK;
  }

  private static long readWholeFile(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(channel.size()));
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // FileChannel.read may stop short of a full buffer; keep going to the end of the file
      }
      return buffer.get(buffer.position() - 1);
    }
  }

  /** Decompresses the first member into a buffer sized by its trailer; the file is known valid. */
  private static long inflateWholeFile(Path file) throws IOException {
    byte[] compressed = Files.readAllBytes(file);
    int last = compressed.length - 4;
    int size =
        (compressed[last] & 0xff)
            | (compressed[last + 1] & 0xff) << 8
            | (compressed[last + 2] & 0xff) << 16
            | (compressed[last + 3] & 0xff) << 24;
    ByteBuffer out = ByteBuffer.allocateDirect(size);
    Inflater inflater = new Inflater(true);
    try {
      int start = gzipHeaderLength(compressed);
      inflater.setInput(compressed, start, compressed.length - start);
      while (!inflater.finished() && out.hasRemaining()) {
        inflater.inflate(out);
      }
    } catch (DataFormatException e) {
      throw new IOException("deflate error in the baseline: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
    return out.get(out.position() - 1);
  }

  private static int gzipHeaderLength(byte[] member) {
    int flags = member[3] & 0xff;
    int pos = 10;
    if ((flags & 0x04) != 0) { // FEXTRA
      pos += 2 + ((member[pos] & 0xff) | (member[pos + 1] & 0xff) << 8);
    }
    for (int zeroTerminated : new int[] {0x08, 0x10}) { // FNAME, FCOMMENT
      if ((flags & zeroTerminated) != 0) {
        while (member[pos++] != 0) {
          // skip to the terminating zero
        }
      }
    }
    if ((flags & 0x02) != 0) { // FHCRC
      pos += 2;
    }
    return pos;
  }
}
