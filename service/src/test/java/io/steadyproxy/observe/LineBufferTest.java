package io.steadyproxy.observe;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The access log's byte layout against the JDK's own formatting, which the lines had before it:
 * {@link Instant#toString()} for times and {@link Double#toString(double)} for milliseconds.
 */
class LineBufferTest {
  @Test
  void timesReadAsInstantToStringDoesAcrossSecondsDaysAndWholeSeconds() {
    LineBuffer b = new LineBuffer();
    SplittableRandom random = new SplittableRandom(42);
    long[] fixed = {
      0, 999, 1000, 1001, 86_399_999, 1_764_672_000_000L, -1, -1000, 253_402_300_799_999L
    };
    for (long millis : fixed) {
      assertTime(b, millis);
    }
    long t = 1_796_212_800_000L; // 2026-12-02, then forward in steps as a busy log goes
    for (int i = 0; i < 20_000; i++) {
      t += random.nextInt(0, 1500);
      assertTime(b, t);
      assertTime(b, random.nextLong(0, 4_102_444_800_000L)); // and back and forth up to 2100
    }
  }

  private static void assertTime(LineBuffer b, long millis) {
    b.truncate(0);
    assertThat(b.time(millis).toString(), is(Instant.ofEpochMilli(millis).toString()));
  }

  @Test
  void hundredthsReadAsDoubleToStringBelowTenMillion() {
    LineBuffer b = new LineBuffer();
    for (long h = 0; h < 200_000; h++) {
      assertHundredths(b, h);
    }
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      assertHundredths(b, random.nextLong(0, 1_000_000_000L)); // up to 9,999,999.99
    }
  }

  private static void assertHundredths(LineBuffer b, long h) {
    b.truncate(0);
    assertThat(b.hundredths(h).toString(), is(Double.toString(h / 100.0)));
  }

  @Test
  void longDurationsStayPlainDecimalsWhereDoubleToStringTurnsToExponents() {
    // three hours of WebSocket: Double.toString would write 1.08E7
    assertThat(new LineBuffer().hundredths(1_080_000_000L).toString(), is("10800000.0"));
    assertThat(new LineBuffer().hundredths(-5).toString(), is("-0.05"));
  }

  @Test
  void digitsReadAsLongToString() {
    long[] values = {
      0, 7, 10, 99, 100, 12_345, Integer.MAX_VALUE, Long.MAX_VALUE, -1, Long.MIN_VALUE
    };
    for (long v : values) {
      assertThat(new LineBuffer().digits(v).toString(), is(Long.toString(v)));
    }
  }

  @Test
  void theBufferGrowsPastItsFirstSize() {
    LineBuffer b = new LineBuffer();
    String ua = "x".repeat(10_000);
    b.ascii("ua=").ascii(ua);
    assertThat(b.toString(), is("ua=" + ua));
  }
}
