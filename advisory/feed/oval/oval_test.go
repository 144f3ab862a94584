package oval

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/advisory"
	"github.com/lading-dev/lading/advisory/feed"
)

// suse15 carries values of real SUSE Linux Enterprise 15 OVAL definitions,
// as anchore/vunnel keeps an excerpt of suse.linux.enterprise.server.15.xml
// (tests/unit/providers/sles/test-fixtures/suse_truncated.xml at commit
// 285a8a64d737f20faf9071a6c6690b573703430c):
//
//   - CVE-2010-1323 (krb5): its platforms, references, severity, CVSS 3
//     vector, dates, two product groups and the krb5 package tests, with
//     their test, object and state ids and "krb5 is <1.15.2-4.25";
//   - CVE-2021-29154 (kernel): the SLES 15-LTSS, 15 SP1-BCL and 15 SP1-LTSS
//     groups with kernel-default <4.12.14-150.72.1 and <4.12.14-197.89.2;
//   - CVE-1999-0524: "kernel-default is not affected" (version equals 0)
//     under the Basesystem and Development Tools modules.
//
// The excerpt spells the krb5 state's operation "6"; SUSE's files say
// "less than", which is used here. The kernel live-patch "none satisfy"
// test comes from the example goval-dictionary quotes from
// suse.linux.enterprise.server.15-affected.xml (tst:2009712010).
const suse15 = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">
  <generator><oval:product_name>Marcus Updateinfo to OVAL Converter</oval:product_name></generator>
  <definitions>
    <definition id="oval:org.opensuse.security:def:20101323" version="1" class="vulnerability">
      <metadata>
        <title>CVE-2010-1323</title>
        <affected family="unix">
          <platform>SUSE Linux Enterprise Desktop 15</platform>
          <platform>SUSE Linux Enterprise Server 15</platform>
        </affected>
        <reference source="CVE" ref_id="Mitre CVE-2010-1323" ref_url="https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2010-1323"/>
        <reference source="SUSE CVE" ref_id="SUSE CVE-2010-1323" ref_url="https://www.suse.com/security/cve/CVE-2010-1323"/>
        <reference source="SUSE-SU" ref_id="TID7008287" ref_url="https://www.suse.com/support/kb/doc/?id=7008287"/>
        <description>
    MIT Kerberos 5 (aka krb5) 1.3.x, 1.4.x, 1.5.x, 1.6.x, 1.7.x, and 1.8.x through 1.8.3 does not properly determine the acceptability of checksums.
    </description>
        <advisory>
          <severity>Moderate</severity>
          <cve cwe="" impact="" href="https://www.suse.com/security/cve/CVE-2010-1323/">CVE-2010-1323 at SUSE</cve>
          <cve cvss3="3.7/CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N" impact="low" href="https://nvd.nist.gov/vuln/detail/CVE-2010-1323">CVE-2010-1323 at NVD</cve>
          <issued date="2021-04-30"/>
          <updated date="2024-07-31"/>
        </advisory>
      </metadata>
      <criteria operator="OR">
        <criteria operator="AND">
          <criteria operator="OR">
            <criterion test_ref="oval:org.opensuse.security:tst:2009669873" comment="SUSE Linux Enterprise Desktop 15 is installed"/>
            <criterion test_ref="oval:org.opensuse.security:tst:2009223735" comment="SUSE Linux Enterprise Module for Basesystem 15 is installed"/>
            <criterion test_ref="oval:org.opensuse.security:tst:2009242640" comment="SUSE Linux Enterprise Server 15 is installed"/>
          </criteria>
          <criteria operator="OR">
            <criterion test_ref="oval:org.opensuse.security:tst:2009480345" comment="krb5-1.15.2-4.25 is installed"/>
            <criterion test_ref="oval:org.opensuse.security:tst:2009480347" comment="krb5-client-1.15.2-4.25 is installed"/>
          </criteria>
        </criteria>
        <criteria operator="AND">
          <criteria operator="OR">
            <criterion test_ref="oval:org.opensuse.security:tst:2009228795" comment="SUSE Linux Enterprise Module for Server Applications 15 is installed"/>
            <criterion test_ref="oval:org.opensuse.security:tst:2009242640" comment="SUSE Linux Enterprise Server 15 is installed"/>
          </criteria>
          <criteria operator="OR">
            <criterion test_ref="oval:org.opensuse.security:tst:2009488168" comment="krb5-server-1.15.2-4.25 is installed"/>
          </criteria>
        </criteria>
      </criteria>
    </definition>
    <definition id="oval:org.opensuse.security:def:202129154" version="1" class="vulnerability">
      <metadata>
        <title>CVE-2021-29154</title>
        <reference ref_id="Mitre CVE-2021-29154" ref_url="https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2021-29154" source="CVE"/>
        <reference ref_id="SUSE-SU-2021:1210-1" ref_url="https://lists.suse.com/pipermail/sle-updates/2021-April/018572.html" source="SUSE-SU"/>
        <reference ref_id="openSUSE-SU-2021:0579-1" ref_url="https://lists.opensuse.org/archives/list/security-announce@lists.opensuse.org/thread/6PH44XSVUZTRLJSGALUUATIQLKQWL4C5/" source="SUSE-SU"/>
        <description>    BPF JIT compilers in the Linux kernel through 5.11.12 have incorrect computation of branch displacements.    </description>
        <advisory from="security@suse.de">
          <issued date="2021-04-30"/>
          <updated date="2021-07-14"/>
          <severity>Important</severity>
          <cve impact="important" cvss3="7/CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H" href="https://www.suse.com/security/cve/CVE-2021-29154/">CVE-2021-29154</cve>
        </advisory>
      </metadata>
      <criteria operator="OR">
        <criteria operator="AND">
          <criterion test_ref="oval:org.opensuse.security:tst:2009302033" comment="SUSE Linux Enterprise Server 15-LTSS is installed"/>
          <criteria operator="OR">
            <criterion test_ref="oval:org.opensuse.security:tst:2009504818" comment="kernel-default-4.12.14-150.72.1 is installed"/>
          </criteria>
        </criteria>
        <criteria operator="AND">
          <criterion test_ref="oval:org.opensuse.security:tst:2009303869" comment="SUSE Linux Enterprise Server 15 SP1-BCL is installed"/>
          <criteria operator="OR">
            <criterion test_ref="oval:org.opensuse.security:tst:2009505291" comment="kernel-default-4.12.14-197.89.2 is installed"/>
          </criteria>
        </criteria>
        <criteria operator="AND">
          <criterion test_ref="oval:org.opensuse.security:tst:2009341508" comment="SUSE Linux Enterprise Server 15 SP1-LTSS is installed"/>
          <criteria operator="OR">
            <criteria operator="AND">
              <criterion test_ref="oval:org.opensuse.security:tst:2009505825" comment="kernel-default-4.12.14-197.89.2 is installed"/>
              <criterion test_ref="oval:org.opensuse.security:tst:2009712010" comment="no kernel-livepatch-4_12_14-150_66-default is greater or equal than 14-2.2"/>
            </criteria>
          </criteria>
        </criteria>
      </criteria>
    </definition>
    <definition id="oval:org.opensuse.security:def:19990524" version="1" class="vulnerability">
      <metadata>
        <title>CVE-1999-0524</title>
        <description>    ICMP information such as (1) netmask and (2) timestamp is allowed from arbitrary hosts.    </description>
        <advisory from="security@suse.de">
          <issued date="2021-04-30"/>
          <updated date="2021-07-03"/>
          <severity>Moderate</severity>
        </advisory>
      </metadata>
      <criteria operator="AND">
        <criteria operator="OR">
          <criterion test_ref="oval:org.opensuse.security:tst:2009223735" comment="SUSE Linux Enterprise Module for Basesystem 15 is installed"/>
          <criterion test_ref="oval:org.opensuse.security:tst:2009228624" comment="SUSE Linux Enterprise Module for Development Tools 15 is installed"/>
        </criteria>
        <criteria operator="OR">
          <criterion test_ref="oval:org.opensuse.security:tst:2009334017" comment="kernel-default is not affected"/>
          <criterion test_ref="oval:org.opensuse.security:tst:2009333928" comment="kernel-source is not affected"/>
        </criteria>
      </criteria>
    </definition>
  </definitions>
  <tests>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009302033" version="1" comment="sles-ltss-release is ==15" check="at least one" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
      <object object_ref="oval:org.opensuse.security:obj:2009049560"/>
      <state state_ref="oval:org.opensuse.security:ste:2009061809"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009303869" version="1" comment="sles-release is ==15.1" check="at least one" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
      <object object_ref="oval:org.opensuse.security:obj:2009030884"/>
      <state state_ref="oval:org.opensuse.security:ste:2009068342"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009341508" version="1" comment="sles-ltss-release is ==15.1" check="at least one" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
      <object object_ref="oval:org.opensuse.security:obj:2009049560"/>
      <state state_ref="oval:org.opensuse.security:ste:2009068342"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009504818" version="1" comment="kernel-default is &lt;4.12.14-150.72.1 for aarch64,ppc64le,s390x,x86_64" check="all" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
      <object object_ref="oval:org.opensuse.security:obj:2009030416"/>
      <state state_ref="oval:org.opensuse.security:ste:2009118739"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009505291" version="1" comment="kernel-default is &lt;4.12.14-197.89.2 for aarch64,ppc64le,s390x,x86_64" check="all" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
      <object object_ref="oval:org.opensuse.security:obj:2009030416"/>
      <state state_ref="oval:org.opensuse.security:ste:2009118764"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009505825" version="1" comment="kernel-default is &lt;4.12.14-197.89.2 for aarch64,ppc64le,s390x,x86_64" check="all" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
      <object object_ref="oval:org.opensuse.security:obj:2009030416"/>
      <state state_ref="oval:org.opensuse.security:ste:2009118764"/>
    </rpminfo_test>
    <rpminfo_test xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" id="oval:org.opensuse.security:tst:2009712010" version="1" comment="kernel-livepatch-4_12_14-150_66-default is &gt;=14-2.2" check="none satisfy">
      <object object_ref="oval:org.opensuse.security:obj:2009050495"/>
      <state state_ref="oval:org.opensuse.security:ste:2009169922"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009669873" comment="sled-release is ==15" check="at least one" version="1">
      <object object_ref="oval:org.opensuse.security:obj:2009031917"/>
      <state state_ref="oval:org.opensuse.security:ste:2009061809"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009242640" comment="sles-release is ==15" check="at least one" version="1">
      <object object_ref="oval:org.opensuse.security:obj:2009030884"/>
      <state state_ref="oval:org.opensuse.security:ste:2009061809"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009223735" comment="sle-module-basesystem-release is ==15" check="at least one" version="1">
      <object object_ref="oval:org.opensuse.security:obj:2009042619"/>
      <state state_ref="oval:org.opensuse.security:ste:2009061809"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009228795" comment="sle-module-server-applications-release is ==15" check="at least one" version="1">
      <object object_ref="oval:org.opensuse.security:obj:2009046430"/>
      <state state_ref="oval:org.opensuse.security:ste:2009061809"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009480345" comment="krb5 is &lt;1.15.2-4.25" check="at least one" version="1">
      <object object_ref="oval:org.opensuse.security:obj:2009031044"/>
      <state state_ref="oval:org.opensuse.security:ste:2009111500"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009480347" comment="krb5-client is &lt;1.15.2-4.25" check="at least one" version="1">
      <object object_ref="oval:org.opensuse.security:obj:2009031041"/>
      <state state_ref="oval:org.opensuse.security:ste:2009111500"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009488168" comment="krb5-server is &lt;1.15.2-4.25" check="at least one" version="1">
      <object object_ref="oval:org.opensuse.security:obj:2009031042"/>
      <state state_ref="oval:org.opensuse.security:ste:2009111500"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009334017" comment="kernel-default is ==0" check="at least one" version="1">
      <object object_ref="oval:org.opensuse.security:obj:2009030416"/>
      <state state_ref="oval:org.opensuse.security:ste:2009079458"/>
    </rpminfo_test>
    <rpminfo_test id="oval:org.opensuse.security:tst:2009333928" comment="kernel-source is ==0" check="at least one" version="1">
      <object object_ref="oval:org.opensuse.security:obj:2009030417"/>
      <state state_ref="oval:org.opensuse.security:ste:2009079458"/>
    </rpminfo_test>
  </tests>
  <objects>
    <rpminfo_object id="oval:org.opensuse.security:obj:2009049560" version="1" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><name>sles-ltss-release</name></rpminfo_object>
    <rpminfo_object id="oval:org.opensuse.security:obj:2009030884" version="1" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><name>sles-release</name></rpminfo_object>
    <rpminfo_object id="oval:org.opensuse.security:obj:2009030416" version="1" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><name>kernel-default</name></rpminfo_object>
    <rpminfo_object id="oval:org.opensuse.security:obj:2009050495" version="1"><name>kernel-livepatch-4_12_14-150_66-default</name></rpminfo_object>
    <rpminfo_object id="oval:org.opensuse.security:obj:2009031917" version="1"><name>sled-release</name></rpminfo_object>
    <rpminfo_object id="oval:org.opensuse.security:obj:2009042619" version="1"><name>sle-module-basesystem-release</name></rpminfo_object>
    <rpminfo_object id="oval:org.opensuse.security:obj:2009046430" version="1"><name>sle-module-server-applications-release</name></rpminfo_object>
    <rpminfo_object id="oval:org.opensuse.security:obj:2009031044" version="1"><name>krb5</name></rpminfo_object>
    <rpminfo_object id="oval:org.opensuse.security:obj:2009031041" version="1"><name>krb5-client</name></rpminfo_object>
    <rpminfo_object id="oval:org.opensuse.security:obj:2009031042" version="1"><name>krb5-server</name></rpminfo_object>
    <rpminfo_object id="oval:org.opensuse.security:obj:2009030417" version="1"><name>kernel-source</name></rpminfo_object>
  </objects>
  <states>
    <rpminfo_state id="oval:org.opensuse.security:ste:2009061809" version="1" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><version operation="equals">15</version></rpminfo_state>
    <rpminfo_state id="oval:org.opensuse.security:ste:2009068342" version="1" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"><version operation="equals">15.1</version></rpminfo_state>
    <rpminfo_state id="oval:org.opensuse.security:ste:2009118739" version="1" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
      <arch datatype="string" operation="pattern match">(aarch64|ppc64le|s390x|x86_64)</arch>
      <evr datatype="evr_string" operation="less than">0:4.12.14-150.72.1</evr>
    </rpminfo_state>
    <rpminfo_state id="oval:org.opensuse.security:ste:2009118764" version="1" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
      <arch datatype="string" operation="pattern match">(aarch64|ppc64le|s390x|x86_64)</arch>
      <evr datatype="evr_string" operation="less than">0:4.12.14-197.89.2</evr>
    </rpminfo_state>
    <rpminfo_state id="oval:org.opensuse.security:ste:2009169922" version="1"><evr datatype="evr_string" operation="greater than or equal">0:14-2.2</evr></rpminfo_state>
    <rpminfo_state id="oval:org.opensuse.security:ste:2009111500" version="1"><evr datatype="evr_string" operation="less than">0:1.15.2-4.25</evr></rpminfo_state>
    <rpminfo_state id="oval:org.opensuse.security:ste:2009079458" version="1"><version operation="equals">0</version></rpminfo_state>
  </states>
</oval_definitions>
`

// mariner2 carries values of real CBL-Mariner 2.0 definitions from
// microsoft/AzureLinuxVulnerabilityData cbl-mariner-2.0-oval.xml at commit
// 00027c543e3d74ea7c9c1d4ec80a770613f73eea: def:6368 (CVE-2021-22945,
// curl, Critical, state ste:6368002 "less than" 0:7.82.0-1.cm2), def:6363
// (CVE-2021-22925, curl, Medium, ste:6363002 0:7.76.0-5.cm2) and def:6356
// (CVE-2010-4226, cpio, patchable "Not Applicable", ste:6356002 "less than
// or equal" 0:2.13-5.cm2). The rpminfo_object names follow the tests'
// comments ("Package curl is earlier than ...").
const mariner2 = `<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
  <generator>
    <oval:product_name>CBL-Mariner OVAL Definition Generator</oval:product_name>
    <oval:timestamp>2023-10-03T12:01:29.024701218Z</oval:timestamp>
  </generator>
  <definitions>
    <definition class="vulnerability" id="oval:com.microsoft.cbl-mariner:def:6368" version="1">
      <metadata>
        <title>CVE-2021-22945 affecting package curl 7.76.0-6</title>
        <affected family="unix"><platform>CBL-Mariner</platform></affected>
        <reference ref_id="CVE-2021-22945" ref_url="https://nvd.nist.gov/vuln/detail/CVE-2021-22945" source="CVE"/>
        <patchable>true</patchable>
        <advisory_date>2022-04-09T06:51:45Z</advisory_date>
        <advisory_id>6368-1</advisory_id>
        <severity>Critical</severity>
        <description>CVE-2021-22945 affecting package curl 7.76.0-6. An upgraded version of the package is available that resolves this issue.</description>
      </metadata>
      <criteria operator="AND">
        <criterion comment="Package curl is earlier than 7.82.0-1, affected by CVE-2021-22945" test_ref="oval:com.microsoft.cbl-mariner:tst:6368000"/>
      </criteria>
    </definition>
    <definition class="vulnerability" id="oval:com.microsoft.cbl-mariner:def:6363" version="1">
      <metadata>
        <title>CVE-2021-22925 affecting package curl 7.76.0-6</title>
        <affected family="unix"><platform>CBL-Mariner</platform></affected>
        <reference ref_id="CVE-2021-22925" ref_url="https://nvd.nist.gov/vuln/detail/CVE-2021-22925" source="CVE"/>
        <patchable>true</patchable>
        <advisory_date>2022-04-09T06:51:45Z</advisory_date>
        <advisory_id>6363-1</advisory_id>
        <severity>Medium</severity>
        <description>CVE-2021-22925 affecting package curl 7.76.0-6. A patched version of the package is available.</description>
      </metadata>
      <criteria operator="AND">
        <criterion comment="Package curl is earlier than 7.76.0-5, affected by CVE-2021-22925" test_ref="oval:com.microsoft.cbl-mariner:tst:6363000"/>
      </criteria>
    </definition>
    <definition class="vulnerability" id="oval:com.microsoft.cbl-mariner:def:6356" version="0">
      <metadata>
        <title>CVE-2010-4226 affecting package cpio 2.13-5</title>
        <affected family="unix"><platform>CBL-Mariner</platform></affected>
        <reference ref_id="CVE-2010-4226" ref_url="https://nvd.nist.gov/vuln/detail/CVE-2010-4226" source="CVE"/>
        <patchable>Not Applicable</patchable>
        <advisory_id>6356</advisory_id>
        <severity>Medium</severity>
        <description>CVE-2010-4226 affecting package cpio 2.13-5. This CVE either no longer is or was never applicable.</description>
      </metadata>
      <criteria operator="AND">
        <criterion comment="Package cpio is installed with version 2.13-5 or earlier" test_ref="oval:com.microsoft.cbl-mariner:tst:6356000"/>
      </criteria>
    </definition>
  </definitions>
  <tests>
    <linux-def:rpminfo_test check="at least one" comment="Package curl is earlier than 7.82.0-1, affected by CVE-2021-22945" id="oval:com.microsoft.cbl-mariner:tst:6368000" version="1">
      <linux-def:object object_ref="oval:com.microsoft.cbl-mariner:obj:6368001"/>
      <linux-def:state state_ref="oval:com.microsoft.cbl-mariner:ste:6368002"/>
    </linux-def:rpminfo_test>
    <linux-def:rpminfo_test check="at least one" comment="Package curl is earlier than 7.76.0-5, affected by CVE-2021-22925" id="oval:com.microsoft.cbl-mariner:tst:6363000" version="1">
      <linux-def:object object_ref="oval:com.microsoft.cbl-mariner:obj:6363001"/>
      <linux-def:state state_ref="oval:com.microsoft.cbl-mariner:ste:6363002"/>
    </linux-def:rpminfo_test>
    <linux-def:rpminfo_test check="at least one" comment="Package cpio is installed with version 2.13-5 or earlier" id="oval:com.microsoft.cbl-mariner:tst:6356000" version="0">
      <linux-def:object object_ref="oval:com.microsoft.cbl-mariner:obj:6356001"/>
      <linux-def:state state_ref="oval:com.microsoft.cbl-mariner:ste:6356002"/>
    </linux-def:rpminfo_test>
  </tests>
  <objects>
    <linux-def:rpminfo_object id="oval:com.microsoft.cbl-mariner:obj:6368001" version="1"><linux-def:name>curl</linux-def:name></linux-def:rpminfo_object>
    <linux-def:rpminfo_object id="oval:com.microsoft.cbl-mariner:obj:6363001" version="1"><linux-def:name>curl</linux-def:name></linux-def:rpminfo_object>
    <linux-def:rpminfo_object id="oval:com.microsoft.cbl-mariner:obj:6356001" version="0"><linux-def:name>cpio</linux-def:name></linux-def:rpminfo_object>
  </objects>
  <states>
    <linux-def:rpminfo_state id="oval:com.microsoft.cbl-mariner:ste:6368002" version="1">
      <linux-def:evr datatype="evr_string" operation="less than">0:7.82.0-1.cm2</linux-def:evr>
    </linux-def:rpminfo_state>
    <linux-def:rpminfo_state id="oval:com.microsoft.cbl-mariner:ste:6363002" version="1">
      <linux-def:evr datatype="evr_string" operation="less than">0:7.76.0-5.cm2</linux-def:evr>
    </linux-def:rpminfo_state>
    <linux-def:rpminfo_state id="oval:com.microsoft.cbl-mariner:ste:6356002" version="0">
      <linux-def:evr datatype="evr_string" operation="less than or equal">0:2.13-5.cm2</linux-def:evr>
    </linux-def:rpminfo_state>
  </states>
</oval_definitions>
`

func readDoc(t *testing.T, doc, name string) (feed.Stats, map[string][]feed.Entry) {
	t.Helper()
	got := map[string][]feed.Entry{}
	stats, err := ReadBytes(context.Background(), []byte(doc), name, func(e feed.Entry) error {
		got[e.Vuln.ID] = append(got[e.Vuln.ID], e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return stats, got
}

// brief spells a statement for the tables below.
func brief(a advisory.Affected) string {
	s := a.Namespace + " " + a.Package + " " + string(a.Status)
	if a.Fixed != "" {
		s += " " + a.Fixed
	}
	for _, r := range a.Ranges {
		for _, ev := range r.Events {
			if ev.LastAffected != "" {
				s += " <=" + ev.LastAffected
			}
		}
	}
	return s
}

func briefs(e feed.Entry) string {
	var out []string
	for _, a := range e.Affected {
		out = append(out, brief(a))
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func TestSUSEMapping(t *testing.T) {
	stats, got := readDoc(t, suse15, "suse.linux.enterprise.server.15.xml")
	if stats.Records != 3 || stats.Skipped != 0 {
		t.Fatalf("stats %+v", stats)
	}
	krb := got["CVE-2010-1323"][0]
	v := krb.Vuln
	if v.Source != SourceSUSE || v.Severity != advisory.SeverityMedium || v.Summary != "" ||
		!strings.HasPrefix(v.Details, "MIT Kerberos 5 (aka krb5)") || strings.HasSuffix(v.Details, " ") {
		t.Errorf("record %+v", v)
	}
	if !v.Published.Equal(time.Date(2021, 4, 30, 0, 0, 0, 0, time.UTC)) || !v.Modified.Equal(time.Date(2024, 7, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("dates %v %v", v.Published, v.Modified)
	}
	if len(v.References) != 3 || v.References[1] != "https://www.suse.com/security/cve/CVE-2010-1323" || len(krb.Related) != 0 {
		t.Errorf("references %v related %v", v.References, krb.Related)
	}
	if len(krb.Scores) != 1 || krb.Scores[0] != (advisory.Score{Type: "CVSS_V3", Score: "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N"}) {
		t.Errorf("scores %v", krb.Scores)
	}
	// SLED 15 and SLES 15 (and the Basesystem 15 module, a SLES 15 name)
	// for krb5 and krb5-client; krb5-server only in the second group,
	// which lists no SLED.
	want := "sled:15 krb5 fixed 1.15.2-4.25; sled:15 krb5-client fixed 1.15.2-4.25; " +
		"sles:15 krb5 fixed 1.15.2-4.25; sles:15 krb5-client fixed 1.15.2-4.25; sles:15 krb5-server fixed 1.15.2-4.25"
	if g := briefs(krb); g != want {
		t.Errorf("CVE-2010-1323:\n got %s\nwant %s", g, want)
	}
	for _, a := range krb.Affected {
		if a.VulnID != "CVE-2010-1323" || a.Source != SourceSUSE || a.Severity != advisory.SeverityMedium ||
			(a.Namespace == "sles:15" && a.Ecosystem != "SUSE Linux Enterprise 15") {
			t.Errorf("statement %+v", a)
		}
	}

	// 15-LTSS → sles:15; 15 SP1-BCL and SP1-LTSS → sles:15.1, one
	// statement; the live-patch "none satisfy" test adds nothing.
	k := got["CVE-2021-29154"][0]
	if g := briefs(k); g != "sles:15 kernel-default fixed 4.12.14-150.72.1; sles:15.1 kernel-default fixed 4.12.14-197.89.2" {
		t.Errorf("CVE-2021-29154: %s", g)
	}
	if k.Vuln.Severity != advisory.SeverityHigh || strings.Join(k.Related, ",") != "SUSE-SU-2021:1210-1,openSUSE-SU-2021:0579-1" {
		t.Errorf("CVE-2021-29154 record %+v related %v", k.Vuln, k.Related)
	}
	if len(k.Scores) != 1 || k.Scores[0].Score != "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H" {
		t.Errorf("scores %v", k.Scores)
	}

	na := got["CVE-1999-0524"][0]
	if g := briefs(na); g != "sles:15 kernel-default not_affected; sles:15 kernel-source not_affected" {
		t.Errorf("CVE-1999-0524: %s", g)
	}
}

func TestMarinerMapping(t *testing.T) {
	stats, got := readDoc(t, mariner2, "cbl-mariner-2.0-oval.xml")
	if stats.Records != 3 || stats.Skipped != 0 {
		t.Fatalf("stats %+v", stats)
	}
	e := got["CVE-2021-22945"][0]
	v := e.Vuln
	if v.Source != SourceAzureLinux || v.Severity != advisory.SeverityCritical ||
		v.Summary != "CVE-2021-22945 affecting package curl 7.76.0-6" ||
		!strings.HasPrefix(v.Details, "CVE-2021-22945 affecting package curl 7.76.0-6. An upgraded") ||
		!v.Published.Equal(time.Date(2022, 4, 9, 6, 51, 45, 0, time.UTC)) ||
		strings.Join(v.References, ",") != "https://nvd.nist.gov/vuln/detail/CVE-2021-22945" {
		t.Errorf("record %+v", v)
	}
	if len(e.Affected) != 1 {
		t.Fatalf("statements %+v", e.Affected)
	}
	a := e.Affected[0]
	if a.VulnID != "CVE-2021-22945" || a.Namespace != "mariner:2.0" || a.Ecosystem != "CBL-Mariner 2.0" || a.Package != "curl" ||
		a.Status != advisory.StatusFixed || a.Fixed != "7.82.0-1.cm2" || a.Severity != advisory.SeverityCritical || a.Source != SourceAzureLinux {
		t.Errorf("statement %+v", a)
	}
	if g := briefs(got["CVE-2021-22925"][0]); g != "mariner:2.0 curl fixed 7.76.0-5.cm2" {
		t.Errorf("CVE-2021-22925: %s", g)
	}
	// "Not Applicable": never affected, whatever the "or earlier" test says.
	if g := briefs(got["CVE-2010-4226"][0]); g != "mariner:2.0 cpio not_affected" {
		t.Errorf("CVE-2010-4226: %s", g)
	}
}

// A Microsoft file under another name takes its release from the dist tag;
// azurelinux-3.0-oval.xml names Azure Linux 3.0.
func TestMicrosoftNamespace(t *testing.T) {
	_, got := readDoc(t, mariner2, "mirror-copy.xml")
	if g := briefs(got["CVE-2021-22945"][0]); g != "mariner:2.0 curl fixed 7.82.0-1.cm2" {
		t.Errorf("dist tag: %s", g)
	}
	// azurelinux-3.0-oval.xml, def:39708 (CVE-2024-24258, freeglut, High,
	// "Package freeglut is earlier than 3.4.0-1") at commit
	// 0008b2cdfd76c617ee7e0a216c1f40dc728da40f; the .azl3 state value
	// follows the Mariner files' form.
	azl := strings.NewReplacer(
		"cbl-mariner", "azurelinux", ".cm2", ".azl3",
		"CVE-2021-22945 affecting package curl 7.76.0-6", "CVE-2024-24258 affecting package freeglut for versions less than 3.4.0-1",
		"CVE-2021-22945", "CVE-2024-24258", "7.82.0-1", "3.4.0-1", ">curl<", ">freeglut<",
	).Replace(mariner2)
	_, got = readDoc(t, azl, "azurelinux-3.0-oval.xml")
	e := got["CVE-2024-24258"][0]
	if g := briefs(e); g != "azurelinux:3.0 freeglut fixed 3.4.0-1.azl3" || e.Affected[0].Ecosystem != "Azure Linux 3.0" {
		t.Errorf("azurelinux: %s %+v", g, e.Affected)
	}
	for name, want := range map[string]string{
		"cbl-mariner-1.0-oval.xml":         "mariner:1.0",
		"azurelinux-3.0-oval.xml.gz":       "azurelinux:3.0",
		"cbl-mariner-2.0-preview-oval.xml": "",
	} {
		if g := microsoftNamespace(name, &refs{}); g != want {
			t.Errorf("%s: got %q, want %q", name, g, want)
		}
	}
}

// A Microsoft definition that is patchable "false" with a "less than or
// equal" state: affected up to that version, no fix. (Synthetic: the real
// file read above has no such definition.)
func TestLastAffected(t *testing.T) {
	doc := strings.NewReplacer("<patchable>Not Applicable</patchable>", "<patchable>false</patchable>").Replace(mariner2)
	_, got := readDoc(t, doc, "cbl-mariner-2.0-oval.xml")
	e := got["CVE-2010-4226"][0]
	a := e.Affected[0]
	if a.Status != advisory.StatusAffected || a.Fixed != "" || len(a.Ranges) != 1 || a.Ranges[0].Type != "ECOSYSTEM" ||
		len(a.Ranges[0].Events) != 2 || a.Ranges[0].Events[0].Introduced != "0" || a.Ranges[0].Events[1].LastAffected != "2.13-5.cm2" {
		t.Errorf("statement %+v", a)
	}
}

func TestSkips(t *testing.T) {
	doc := `<oval_definitions><definitions>
<definition id="oval:org.opensuse.security:def:1" class="patch"><metadata><title>SUSE-SU-2021:1-1</title></metadata></definition>
<definition id="oval:org.example:def:2" class="vulnerability"><metadata><title>CVE-2021-0002</title></metadata></definition>
<definition id="oval:org.opensuse.security:def:3" class="vulnerability"><metadata><title>no id</title></metadata></definition>
<definition id="oval:org.opensuse.security:def:4" class="vulnerability"><metadata><title>CVE-2021-0004</title></metadata>
  <criteria><criterion test_ref="oval:org.opensuse.security:tst:missing"/></criteria></definition>
<definition id="oval:com.microsoft.cbl-mariner:def:5" class="vulnerability"><metadata><title>CVE-2021-0005</title></metadata>
  <criteria><criterion test_ref="t"/></criteria></definition>
</definitions>
<tests><rpminfo_test id="t"><object object_ref="o"/><state state_ref="s"/></rpminfo_test></tests>
<objects><rpminfo_object id="o"><name>curl</name></rpminfo_object></objects>
<states><rpminfo_state id="s"><evr operation="less than">0:1.0-1</evr></rpminfo_state></states>
</oval_definitions>`
	stats, got := readDoc(t, doc, "unknown.xml")
	if len(got) != 0 || stats.Skipped != 5 {
		t.Fatalf("got %v, stats %+v", got, stats)
	}
	for i, want := range []string{"class \"patch\"", "unknown publisher", "names no CVE", "no package statement", "release unknown"} {
		if !strings.Contains(stats.SkipNotes[i], want) {
			t.Errorf("note %d: %q, want %q", i, stats.SkipNotes[i], want)
		}
	}
}

// An AND of many two-way ORs would expand past maxClauses; the definition
// is skipped, not expanded.
func TestClauseLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<oval_definitions><definitions><definition id="oval:org.opensuse.security:def:1" class="vulnerability"><metadata><title>CVE-2021-0001</title></metadata><criteria operator="AND">`)
	for i := 0; i < 40; i++ {
		b.WriteString(`<criteria operator="OR"><criteria operator="AND"><criterion test_ref="p"/><criterion test_ref="k"/></criteria><criteria operator="AND"><criterion test_ref="p"/><criterion test_ref="k"/></criteria></criteria>`)
	}
	b.WriteString(`</criteria></definition></definitions>
<tests><rpminfo_test id="p"><object object_ref="po"/><state state_ref="ps"/></rpminfo_test><rpminfo_test id="k"><object object_ref="ko"/><state state_ref="ks"/></rpminfo_test></tests>
<objects><rpminfo_object id="po"><name>sles-release</name></rpminfo_object><rpminfo_object id="ko"><name>bash</name></rpminfo_object></objects>
<states><rpminfo_state id="ps"><version operation="equals">15.3</version></rpminfo_state><rpminfo_state id="ks"><evr operation="less than">0:4.4-1</evr></rpminfo_state></states>
</oval_definitions>`)
	stats, got := readDoc(t, b.String(), "x.xml")
	if len(got) != 0 || stats.Skipped != 1 || !strings.Contains(stats.SkipNotes[0], "combinations") {
		t.Errorf("got %v, %+v", got, stats)
	}
}

func TestCompressed(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(mariner2))
	zw.Close()
	p := filepath.Join(t.TempDir(), "cbl-mariner-2.0-oval.xml.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	stats, err := ReadFile(context.Background(), p, func(feed.Entry) error { return nil })
	if err != nil || stats.Records != 3 || stats.Statements != 3 {
		t.Errorf("got %+v, %v", stats, err)
	}
}

func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range map[string]string{
		"truncated.xml": mariner2[:len(mariner2)/2],
		"root.xml":      "<updates/>",
		"empty.xml":     "",
		"gzip.xml.gz":   "\x1f\x8b\x08\x00junk",
		"late.xml":      strings.Replace(mariner2, "</states>", "</state>", 1),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadFile(context.Background(), p, func(feed.Entry) error { return nil })
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: got %v, want an error naming the file", name, err)
		}
	}
}

// FuzzRead: never a panic, and every statement is well formed.
func FuzzRead(f *testing.F) {
	f.Add([]byte(suse15), "suse.linux.enterprise.server.15.xml")
	f.Add([]byte(mariner2), "cbl-mariner-2.0-oval.xml")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		_, _ = ReadBytes(context.Background(), data, name, func(e feed.Entry) error {
			if e.Vuln.ID == "" || len(e.Affected) == 0 {
				t.Fatalf("bad entry %+v", e)
			}
			for _, a := range e.Affected {
				if a.Package == "" || a.Namespace == "" || (a.Status == advisory.StatusFixed && a.Fixed == "") {
					t.Fatalf("bad statement %+v", a)
				}
			}
			return nil
		})
	})
}
