package io.steadyproxy.routing;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.steadyproxy.config.ConfigException;
import io.steadyproxy.config.ConfigLoader;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CidrTest {

  @Test
  void aBlockHoldsItsMembersAndNothingElse() throws Exception {
    Cidr ten = Cidr.parse("10.1.2.3/8");
    assertThat(ten.toString(), is("10.0.0.0/8"));
    assertThat(ten.contains(InetAddress.getByName("10.255.0.1")), is(true));
    assertThat(ten.contains(InetAddress.getByName("11.0.0.1")), is(false));
    Cidr odd = Cidr.parse("192.168.1.128/25");
    assertThat(odd.contains(InetAddress.getByName("192.168.1.200")), is(true));
    assertThat(odd.contains(InetAddress.getByName("192.168.1.127")), is(false));
  }

  @Test
  void aBareAddressIsABlockOfOneAndFamiliesNeverMix() throws Exception {
    Cidr loop6 = Cidr.parse("::1");
    assertThat(loop6.contains(InetAddress.getByName("::1")), is(true));
    assertThat(loop6.contains(InetAddress.getByName("127.0.0.1")), is(false));
    assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("8.8.8.8")), is(true));
    assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("::2")), is(false));
  }

  @Test
  void namesAndBadPrefixesAreRefusedNotResolved() {
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("localhost")).getMessage(),
        containsString("not a CIDR"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33")).getMessage(),
        containsString("0-32"));
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/x"));
  }

  @Test
  void aBadEntryInTheSettingNamesTheKeyAndItsSource() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                new ConfigLoader.Inputs(
                        List.of("--trusted-proxies", "10.0.0.0/8, bogus"), Map.of(), Path.of("."))
                    .read());
    assertThat(e.getMessage(), containsString("trusted_proxies"));
    assertThat(e.getMessage(), containsString("flag --trusted-proxies"));
  }
}
