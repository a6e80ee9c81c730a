package io.github.digitbridge.cli;

/** The command line itself is wrong: a missing argument, an unknown option, a bad number. */
final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  UsageException(String problem) {
    super(problem);
  }
}
