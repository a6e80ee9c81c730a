package io.github.digitbridge.testing;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints one closing line in Surefire's format after all tests have run.
 *
 * <p>Surefire logs its own summary at INFO level, which {@code mvn -q} hides; this line goes to the
 * test JVM's standard output, which Surefire always passes through. Registered through
 * META-INF/services.
 */
public final class TestSummaryListener implements TestExecutionListener {
  private final AtomicInteger run = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicInteger errors = new AtomicInteger();
  private final AtomicInteger skipped = new AtomicInteger();

  @Override
  public void executionSkipped(TestIdentifier test, String reason) {
    if (test.isTest()) {
      run.incrementAndGet();
      skipped.incrementAndGet();
    }
  }

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    if (!test.isTest()) {
      return;
    }
    run.incrementAndGet();
    switch (result.getStatus()) {
      case SUCCESSFUL -> {}
      case ABORTED -> skipped.incrementAndGet();
      case FAILED -> {
        boolean assertion =
            result.getThrowable().map(t -> t instanceof AssertionError).orElse(false);
        (assertion ? failures : errors).incrementAndGet();
      }
    }
  }

  @Override
  public void testPlanExecutionFinished(TestPlan plan) {
    System.out.printf(
        "Tests run: %d, Failures: %d, Errors: %d, Skipped: %d%n",
        run.get(), failures.get(), errors.get(), skipped.get());
  }
}
