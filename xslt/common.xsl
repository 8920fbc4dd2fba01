<?xml version="1.0" encoding="UTF-8"?>
<!--
  What both directions need to know about the domain and the user's
  assumptions.  Included by upgrade.xsl and downgrade.xsl.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">

  <!--
    What the user says model-only controllers mean, as '|kind=implementation|'
    entries (the assume option).  upgrade.xsl and downgrade.xsl look a kind
    up here before the data file's implied column.
  -->
  <xsl:param name="assume" select="''"/>

  <!--
    The implementations the user lets a downgrade write instead of one the
    peer lacks, as '|kind=from=to|' entries (the replace option).
  -->
  <xsl:param name="replace" select="''"/>

  <!--
    The libvirt version the conversion reads from (from-version, a number
    as in the data tables, 0 for none) or writes for (peer-version), and
    the same versions as people write them, for messages.
  -->
  <xsl:param name="from-version" select="0"/>
  <xsl:param name="from" select="''"/>
  <xsl:param name="target" select="'legacy'"/>
  <xsl:param name="peer-version" select="0"/>
  <xsl:param name="peer" select="''"/>

  <!--
    The QEMU of the source host and of the target host, when the user gave
    their capabilities: '|implementation|...|' for the implementations each
    has ('' when not given), and the target's QEMU as messages name it
    ("QEMU 7.2.22 (qemu.xml)").
  -->
  <xsl:param name="source-caps" select="''"/>
  <xsl:param name="target-caps" select="''"/>
  <xsl:param name="target-qemu" select="''"/>

  <!--
    Whether the guest is pSeries, where a model-only pci-root is a
    spapr-pci-host-bridge: 'yes', 'no', or 'unknown' when the domain says
    neither a non-ppc64 architecture nor its machine.  libvirt's own test is
    "ppc64 architecture and a machine named pseries*"; only ppc64 has such
    machines, so a pseries machine alone decides.
  -->
  <xsl:variable name="dc:os-type" select="/domain/os/type"/>
  <xsl:variable name="dc:guest-pseries">
    <xsl:choose>
      <xsl:when test="$dc:os-type/@arch and not(starts-with($dc:os-type/@arch, 'ppc64'))">no</xsl:when>
      <xsl:when test="starts-with($dc:os-type/@machine, 'pseries')">yes</xsl:when>
      <xsl:when test="$dc:os-type/@machine">no</xsl:when>
      <xsl:otherwise>unknown</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- pSeries rules: the domain does not say whether a model-only PHB has an implementation. -->
  <xsl:template name="dc:refuse-unknown-pseries">
    <xsl:param name="rule"/>
    <xsl:param name="kind"/>
    <xsl:param name="implementation" select="''"/>
    <xsl:call-template name="dc:refuse">
      <xsl:with-param name="rule" select="$rule"/>
      <xsl:with-param name="kind" select="$kind"/>
      <xsl:with-param name="implementation" select="$implementation"/>
      <xsl:with-param name="reason"
          select="concat('a model-only ', $kind, ' is a spapr-pci-host-bridge in a pSeries guest and has no implementation otherwise, and this domain does not say which it is')"/>
      <xsl:with-param name="hint"
          select="'name the guest architecture and machine in &lt;os&gt;&lt;type arch=... machine=...&gt;, as libvirt writes them'"/>
    </xsl:call-template>
  </xsl:template>

  <!--
    The refusal every rule reports when a controller cannot be converted;
    since: the first libvirt version that would accept it, when that is why.
  -->
  <xsl:template name="dc:refuse">
    <xsl:param name="rule"/>
    <xsl:param name="kind"/>
    <xsl:param name="implementation" select="''"/>
    <xsl:param name="reason"/>
    <xsl:param name="hint" select="''"/>
    <xsl:param name="since" select="''"/>
    <dc:refused rule="{$rule}" kind="{$kind}" implementation="{$implementation}"
                reason="{$reason}" hint="{$hint}" since="{$since}"/>
  </xsl:template>

</xsl:stylesheet>
