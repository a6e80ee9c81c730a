package io.github.digitbridge.cli;

import io.github.digitbridge.DigitBridgeException;
import io.github.digitbridge.model.ModelException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The {@code digitbridge} command line.
 *
 * <p>{@code digitbridge [--debug] COMMAND ARGS...}; {@code --help} lists the commands. Exit codes:
 * 0 success, 1 a check failed (a model's golden check, an accuracy that differs from its card), 2
 * bad usage or bad input. Problems are reported as one line {@code error: <file>: <REASON>:
 * <detail>} on standard error; {@code --debug}, anywhere on the line, adds the stack trace.
 */
public final class Main {
  /** Exit code: success. */
  public static final int OK = 0;

  /** Exit code: the command ran but a check it makes failed. */
  public static final int CHECK_FAILED = 1;

  /** Exit code: bad usage or bad input. */
  public static final int BAD_INPUT = 2;

  static final String PROGRAM = "digitbridge";

  private static final List<Command> COMMANDS =
      List.of(
          new IdxInfoCommand(),
          new DatasetInfoCommand(),
          new BenchIdxCommand(),
          new InfoCommand(),
          new PredictCommand(),
          new EvaluateCommand(),
          new BenchInferCommand());

  private Main() {}

  /**
   * Runs the CLI and exits the JVM with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(run(args, System.in, System.out, System.err));
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
    List<String> words = new ArrayList<>(Arrays.asList(args));
    boolean debug = words.removeIf("--debug"::equals);
    Console console = new Console(in, out, err, debug);
    if (words.contains("--help") || words.contains("-h")) {
      printHelp(out);
      return OK;
    }
    if (words.isEmpty()) {
      err.println(globalUsage("expected a command"));
      return BAD_INPUT;
    }
    Optional<Command> command =
        COMMANDS.stream().filter(c -> c.name().equals(words.get(0))).findFirst();
    if (command.isEmpty()) {
      err.println(globalUsage("unknown command '" + words.get(0) + "'"));
      return BAD_INPUT;
    }
    Command chosen = command.get();
    try {
      return chosen.run(new Args(words.subList(1, words.size())), console);
    } catch (UsageException e) {
      err.println(commandUsage(chosen) + " (" + e.getMessage() + ")");
      return BAD_INPUT;
    } catch (DigitBridgeException e) {
      console.report(e);
      // A model that no longer computes its golden outputs failed a check; anything else (a bad
      // file, a model that is missing, corrupt, without contract or with the wrong interface) is
      // bad input.
      return e instanceof ModelException m && m.reason() == ModelException.Reason.GOLDEN_MISMATCH
          ? CHECK_FAILED
          : BAD_INPUT;
    }
  }

  private static String commandUsage(Command command) {
    return "usage: " + PROGRAM + " " + command.name() + " " + command.arguments();
  }

  private static String globalUsage(String problem) {
    String names = COMMANDS.stream().map(Command::name).collect(Collectors.joining("|"));
    return String.format(
        "usage: %s [--debug] {%s} ARGS... (%s; --help lists the commands)",
        PROGRAM, names, problem);
  }

  private static void printHelp(PrintStream out) {
    out.println("usage: " + PROGRAM + " [--debug] COMMAND ARGS...");
    for (Command command : COMMANDS) {
      out.println("  " + command.name() + " " + command.arguments());
      out.println("      " + command.summary());
    }
    out.println(
        "exit codes: 0 ok, 1 check failed, 2 bad usage or input; --debug adds stack traces");
  }
}
