package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.WritableHeaders;
import org.junit.jupiter.api.Test;

/** The allocation-free token check against Helidon's own {@code containsToken}, case by case. */
class HopByHopTest {
  private static final String[] VALUES = {
    "close",
    "Close",
    "CLOSE",
    " close ",
    "\tclose",
    "keep-alive, close",
    "Keep-Alive,Close",
    "close, upgrade",
    ",,close,,",
    "closed",
    "x-close",
    "clos",
    "keep-alive",
    "",
    " ",
    ",",
    "upgrade, x-closer, close-ish",
  };

  @Test
  void listsTokenAgreesWithHelidonsContainsToken() {
    for (String value : VALUES) {
      WritableHeaders<?> headers = WritableHeaders.create();
      headers.set(HeaderNames.CONNECTION, value);
      assertThat(
          "'" + value + "'",
          HopByHop.hasToken(headers, HeaderNames.CONNECTION, "close"),
          is(headers.containsToken(HeaderValues.CONNECTION_CLOSE)));
    }
  }

  @Test
  void everyValueOfAFieldSentTwiceCounts() {
    WritableHeaders<?> headers = WritableHeaders.create();
    headers.add(HeaderNames.CONNECTION, "keep-alive");
    headers.add(HeaderNames.CONNECTION, "upgrade, close");
    assertThat(HopByHop.hasToken(headers, HeaderNames.CONNECTION, "close"), is(true));
    assertThat(HopByHop.hasToken(headers, HeaderNames.CONNECTION, "te"), is(false));
    assertThat(
        HopByHop.hasToken(WritableHeaders.create(), HeaderNames.CONNECTION, "close"), is(false));
  }

  /** The set as it was built before (split, strip, lower-case, every token kept). */
  private static java.util.Set<String> splitTokens(java.util.List<String> values) {
    java.util.Set<String> tokens = new java.util.HashSet<>();
    for (String value : values) {
      for (String token : value.split(",")) {
        String t = token.strip().toLowerCase(java.util.Locale.ROOT);
        if (!t.isEmpty()) {
          tokens.add(t);
        }
      }
    }
    return tokens;
  }

  @Test
  void connectionTokensDropWhatTheSplitDroppedForEveryFieldName() {
    String[] names = {
      "keep-alive", "keep", "x-trace", "upgrade", "te", "close", "content-length", "x-keep-alive-ms"
    };
    String[] values = {
      "keep-alive",
      "Keep-Alive",
      "keep",
      "keep-alive, X-Trace",
      " x-trace ,\tUpgrade",
      "close",
      ",,te,,",
      "x-keep-alive-ms",
      "",
    };
    for (String value : values) {
      java.util.List<String> list = java.util.List.of(value, "keep-alive");
      java.util.Set<String> tokens = HopByHop.connectionTokens(list);
      java.util.Set<String> before = splitTokens(list);
      for (String name : names) {
        assertThat(
            "'" + value + "' " + name,
            HopByHop.isHopByHop(name, tokens),
            is(HopByHop.isHopByHop(name, before)));
      }
    }
    assertThat(
        "nothing allocated for the usual keep-alive",
        HopByHop.connectionTokens(java.util.List.of("keep-alive")),
        is(java.util.Set.of()));
  }
}
