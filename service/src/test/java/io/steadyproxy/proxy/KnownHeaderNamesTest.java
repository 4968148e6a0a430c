package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Names found from bytes are the ones Helidon would make from the same spelling. */
class KnownHeaderNamesTest {
  private static HeaderName of(String spelling) {
    byte[] line = ("  " + spelling + ": v").getBytes(StandardCharsets.ISO_8859_1);
    return KnownHeaderNames.of(line, 2, spelling.length());
  }

  @Test
  void wellKnownSpellingsAreHelidonsConstants() throws Exception {
    for (var f : HeaderNames.class.getFields()) {
      if (f.getType() == HeaderName.class) {
        HeaderName constant = (HeaderName) f.get(null);
        assertThat(f.getName(), of(constant.defaultCase()), sameInstance(constant));
      }
    }
  }

  @Test
  void otherSpellingsKeepTheirCaseAsHelidonKeepsThem() {
    for (String spelling :
        new String[] {"content-type", "CONTENT-LENGTH", "X-Custom", "x-b3-traceid", "Etag", "A"}) {
      HeaderName made = HeaderNames.create(spelling);
      HeaderName found = of(spelling);
      assertThat(spelling, found.defaultCase(), is(made.defaultCase()));
      assertThat(spelling, found.lowerCase(), is(made.lowerCase()));
    }
  }
}
