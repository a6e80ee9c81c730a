package io.github.digitbridge.cli;

import io.github.digitbridge.DigitBridgeException;
import io.github.digitbridge.StartupTrace;
import io.github.digitbridge.model.DigitClassifier;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code digitbridge} command line.
 *
 * <p>{@code digitbridge [--debug] COMMAND ARGS...}; {@code --help} lists the commands, {@code
 * COMMAND --help} describes one. Exit codes: 0 success, 1 a check failed (a model's golden check,
 * an accuracy that differs from its card), 2 bad usage or bad input. Problems are reported as one
 * line {@code error: <file>: <REASON>: <detail>} on standard error; {@code --debug}, anywhere on
 * the line, adds the stack trace. A usage error is one line {@code usage: digitbridge COMMAND ...
 * (<problem>)}.
 */
public final class Main {
  /** Exit code: success. */
  public static final int OK = 0;

  /** Exit code: the command ran but a check it makes failed. */
  public static final int CHECK_FAILED = DigitBridgeException.EXIT_CHECK_FAILED;

  /** Exit code: bad usage or bad input. */
  public static final int BAD_INPUT = DigitBridgeException.EXIT_BAD_INPUT;

  static final String PROGRAM = "digitbridge";

  /**
   * The commands by the name each one's {@code @Command} gives (it holds nothing else: the options
   * are declared in {@link #DECLARED}'s specs), in the order {@code --help} lists them. Registered
   * with picocli only when needed: a command line that names its command gets that command alone.
   */
  static final Map<String, Class<? extends Subcommand>> COMMANDS = commands();

  /**
   * Each command's picocli spec, built in code (see {@link Subcommand#declare}), by name: picocli
   * reads no annotation and scans no class when a command is registered.
   */
  static final Map<String, Supplier<CommandSpec>> DECLARED =
      Map.of(
          "idx-info", () -> new IdxInfoCommand().spec(),
          "dataset-info", () -> new DatasetInfoCommand().spec(),
          "bench-idx", () -> new BenchIdxCommand().spec(),
          "info", () -> new InfoCommand().spec(),
          "predict", () -> new PredictCommand().spec(),
          "evaluate", () -> new EvaluateCommand().spec(),
          "pack", () -> new PackCommand().spec(),
          "bench-infer", () -> new BenchInferCommand().spec());

  /** The commands that open a model, and so load ONNX Runtime. */
  static final Set<String> MODEL_COMMANDS = Set.of("predict", "evaluate", "info", "bench-infer");

  boolean help;

  // Inherited: accepted before the command and among its own options alike.
  boolean debug;

  private Main() {}

  /**
   * Runs the CLI and exits the JVM with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    StartupTrace.mark("main");
    if (Arrays.stream(args).anyMatch(MODEL_COMMANDS::contains)) {
      // Verifying and loading ONNX Runtime's cached library, and reading the model and its
      // contract, overlap parsing the command line, which is not needed for either.
      DigitClassifier.prepareRuntime();
      modelArgument(args).ifPresent(DigitClassifier::readAhead);
    }
    int status = run(args, System.in, System.out, System.err);
    StartupTrace.mark("exit");
    System.exit(status);
  }

  /**
   * The value of the first {@code --model} (as {@code --model FILE} or {@code --model=FILE}),
   * before the command line is parsed: a guess that the parse may overrule, so only a read-ahead
   * that an open of another path ignores is made with it.
   */
  static Optional<Path> modelArgument(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String value =
          args[i].equals("--model") && i + 1 < args.length
              ? args[i + 1]
              : args[i].startsWith("--model=") ? args[i].substring("--model=".length()) : null;
      if (value != null) {
        try {
          return Optional.of(Path.of(value));
        } catch (InvalidPathException e) {
          return Optional.empty(); // the parse reports it
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Runs the CLI without exiting, so tests can call it.
   *
   * @param args the command line
   * @param in standard input
   * @param out standard output
   * @param err standard error
   * @return the exit code
   */
  static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    CommandLine cli =
        commandLine(args)
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF))
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true));
    ParseResult parsed;
    try {
      parsed = cli.parseArgs(args);
    } catch (ParameterException e) {
      err.println(usage(e.getCommandLine(), e.getMessage()));
      return BAD_INPUT;
    }
    StartupTrace.mark("parsed");
    if (CommandLine.printHelpIfRequested(parsed)) {
      return OK;
    }
    if (!parsed.hasSubcommand()) {
      err.println(usage(cli, "expected a command; --help lists the commands"));
      return BAD_INPUT;
    }
    CommandLine chosen = parsed.subcommand().commandSpec().commandLine();
    Main main = cli.getCommand();
    Console console = new Console(in, out, err, main.debug);
    try {
      return ((Subcommand) chosen.getCommand()).run(console);
    } catch (ParameterException e) {
      err.println(usage(chosen, e.getMessage()));
      return BAD_INPUT;
    } catch (DigitBridgeException e) {
      console.report(e);
      return e.exitCode();
    }
  }

  /**
   * The parser for {@code args}: the top-level command with only the command that {@code args}
   * names (after any {@code --debug}), or with every command when they name none ({@code --help},
   * no command, an unknown one), so that help, errors and suggestions are what they were with every
   * command registered. The settings applied to the result afterwards reach the commands added
   * here.
   */
  static CommandLine commandLine(String[] args) {
    CommandLine cli = new CommandLine(new Main().spec());
    String named = null;
    for (String arg : args) {
      if (!arg.equals("--debug")) {
        named = COMMANDS.containsKey(arg) ? arg : null;
        break;
      }
    }
    for (Map.Entry<String, Class<? extends Subcommand>> command : COMMANDS.entrySet()) {
      if (named == null || named.equals(command.getKey())) {
        cli.addSubcommand(command.getKey(), DECLARED.get(command.getKey()).get());
      }
    }
    return cli;
  }

  /** The top-level command's spec, built in code as the commands' are. */
  private CommandSpec spec() {
    CommandSpec spec = CommandSpec.wrapWithoutInspection(this).name(PROGRAM);
    spec.usageMessage()
        .synopsisSubcommandLabel("COMMAND")
        .description("Check IDX files and digit models, classify and benchmark.")
        .footer(
            "exit codes: 0 ok, 1 check failed, 2 bad usage or input; --debug adds stack traces");
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("-h", "--help")
                    .usageHelp(true)
                    .description("List the commands and exit."),
                boolean.class,
                false,
                () -> help,
                value -> help = value)
            .build());
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--debug")
                    .scopeType(ScopeType.INHERIT)
                    .description("Print the stack trace after an error line."),
                boolean.class,
                false,
                () -> debug,
                value -> debug = value)
            .build());
    return spec;
  }

  private static Map<String, Class<? extends Subcommand>> commands() {
    Map<String, Class<? extends Subcommand>> commands = new LinkedHashMap<>();
    commands.put("idx-info", IdxInfoCommand.class);
    commands.put("dataset-info", DatasetInfoCommand.class);
    commands.put("bench-idx", BenchIdxCommand.class);
    commands.put("info", InfoCommand.class);
    commands.put("predict", PredictCommand.class);
    commands.put("evaluate", EvaluateCommand.class);
    commands.put("pack", PackCommand.class);
    commands.put("bench-infer", BenchInferCommand.class);
    return Collections.unmodifiableMap(commands);
  }

  /** One line: {@code usage: digitbridge idx-info [-h] [--json] FILE... (<problem>)}. */
  private static String usage(CommandLine command, String problem) {
    String synopsis = command.getHelp().synopsis(0).replaceAll("\\s+", " ").strip();
    return "usage: "
        + synopsis.replaceFirst("^Usage: ", "")
        + " ("
        + problem.replaceAll("\\R", "; ")
        + ")";
  }
}
